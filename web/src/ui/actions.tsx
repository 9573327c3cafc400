import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { messageOf } from "../api";
import { useAnnounce } from "./feedback";

/** Copies `value` to the clipboard and says so. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const announce = useAnnounce();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      announce("Copied to the clipboard");
    } catch {
      announce("Could not copy: select the text and copy it");
    }
  };
  return (
    <button type="button" class="button" onClick={copy}>
      {label}
    </button>
  );
}

/** A secret the API shows only once (a key, a signing secret): with a copy button and a warning. */
export function ShownOnce({ title, value, onDone }: { title: string; value: string; onDone: () => void }) {
  return (
    <section class="shown-once" aria-label={title}>
      <h3>{title}</h3>
      <p>Copy it now: it is shown only this once and cannot be read again.</p>
      <div class="secret-row">
        <code class="secret" data-testid="secret">
          {value}
        </code>
        <CopyButton value={value} />
      </div>
      <button type="button" class="button button-quiet" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

/**
 * A destructive action asked twice, inline (no browser dialog): the first press shows the question
 * and the confirming button, which takes the focus.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  label: ComponentChildren;
  question: string;
  confirmLabel: string;
  onConfirm: () => Promise<void> | void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirming = useRef<HTMLButtonElement>(null);
  const questionId = useId();
  useEffect(() => {
    if (asking) confirming.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class="button button-danger" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setAsking(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="confirm">
      <span id={questionId}>{question}</span>
      <button type="button" class="button button-danger" disabled={busy} onClick={confirm} ref={confirming} aria-describedby={questionId}>
        {confirmLabel}
      </button>
      <button type="button" class="button button-quiet" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error ? (
        <span class="field-error" role="alert">
          {messageOf(error)}
        </span>
      ) : null}
    </span>
  );
}
