import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex="0"]';

/** The elements Tab reaches inside `box`, in order (hidden ones left out). */
const tabbable = (box: HTMLElement) => [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);

/**
 * Keeps the keyboard inside `box`: Tab from its last element goes to its first, Shift+Tab from the
 * first to the last, and focus that lands outside (a click on the page behind) is brought back.
 */
function trapFocus(box: HTMLElement, start: HTMLElement) {
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Tab") return;
    const items = tabbable(box);
    const first = items[0] ?? start;
    const last = items.at(-1) ?? start;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || active === start)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  };
  const onFocusIn = (e: FocusEvent) => {
    if (e.target instanceof Node && !box.contains(e.target)) start.focus();
  };
  box.addEventListener("keydown", onKey);
  document.addEventListener("focusin", onFocusIn);
  return () => {
    box.removeEventListener("keydown", onKey);
    document.removeEventListener("focusin", onFocusIn);
  };
}

/**
 * A side panel over the page (the whole screen on a phone), modal: its heading takes the focus when
 * it opens, Tab stays inside it, Escape, the close button or a click beside it closes it, and the
 * focus goes back to what opened it.
 */
export function SidePanel({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const titleId = useId();
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    heading.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close.current();
    addEventListener("keydown", onKey);
    const release = box.current && heading.current ? trapFocus(box.current, heading.current) : () => {};
    return () => {
      release();
      removeEventListener("keydown", onKey);
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <>
      <div class="panel-backdrop" aria-hidden="true" onClick={onClose} />
      <div class="panel" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={box}>
        <header class="panel-header">
          <h2 id={titleId} tabIndex={-1} ref={heading}>
            {title}
          </h2>
          <button type="button" class="button button-quiet" onClick={onClose}>
            Close
          </button>
        </header>
        <div class="panel-body">{children}</div>
      </div>
    </>
  );
}
