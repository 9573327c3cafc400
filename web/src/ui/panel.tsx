import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A side panel over the page (the whole screen on a phone): its heading takes the focus when it
 * opens, Escape or the close button closes it, and the focus goes back where it was.
 */
export function SidePanel({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    heading.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close.current();
    addEventListener("keydown", onKey);
    return () => {
      removeEventListener("keydown", onKey);
      if (before?.isConnected) before.focus();
    };
  }, []);
  return (
    <aside class="panel" aria-labelledby="panel-title">
      <header class="panel-header">
        <h2 id="panel-title" tabIndex={-1} ref={heading}>
          {title}
        </h2>
        <button type="button" class="button button-quiet" onClick={onClose}>
          Close
        </button>
      </header>
      <div class="panel-body">{children}</div>
    </aside>
  );
}
