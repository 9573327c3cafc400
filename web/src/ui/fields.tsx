import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

interface FieldProps {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
  hint?: string;
  required?: boolean;
  disabled?: boolean;
}

/** A labelled field with its hint and error tied to it (aria-describedby), so a screen reader reads them. */
function Labelled({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

const describedBy = (id: string, { error, hint }: { error?: string; hint?: string }) =>
  [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;

export function TextField(
  props: FieldProps & {
    type?: "text" | "email" | "url" | "tel" | "password" | "search" | "date";
    autoComplete?: string;
    placeholder?: string;
    maxLength?: number;
  },
) {
  const id = useId();
  return (
    <Labelled id={id} {...props}>
      <input
        id={id}
        // Preact types `type` per input kind; a union of text kinds is one of them at run time.
        type={(props.type ?? "text") as "text"}
        value={props.value}
        onInput={(e) => props.onValue(e.currentTarget.value)}
        required={props.required}
        disabled={props.disabled}
        autoComplete={props.autoComplete ?? "off"}
        placeholder={props.placeholder}
        maxLength={props.maxLength}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props)}
      />
    </Labelled>
  );
}

export function TextArea(props: FieldProps & { rows?: number; maxLength?: number }) {
  const id = useId();
  return (
    <Labelled id={id} {...props}>
      <textarea
        id={id}
        rows={props.rows ?? 4}
        value={props.value}
        onInput={(e) => props.onValue(e.currentTarget.value)}
        disabled={props.disabled}
        maxLength={props.maxLength}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(id, props)}
      />
    </Labelled>
  );
}

export interface Choice {
  value: string;
  label: string;
}

export function SelectField(props: FieldProps & { choices: readonly Choice[] }) {
  const id = useId();
  return (
    <Labelled id={id} {...props}>
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.onValue(e.currentTarget.value)}
        disabled={props.disabled}
        aria-describedby={describedBy(id, props)}
      >
        {props.choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </Labelled>
  );
}

export function Checkbox({
  label,
  checked,
  onChecked,
  disabled,
  hint,
}: {
  label: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  disabled?: boolean;
  hint?: string;
}) {
  return (
    <label class="checkbox">
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChecked(e.currentTarget.checked)} />
      <span>
        {label}
        {hint && <span class="hint"> {hint}</span>}
      </span>
    </label>
  );
}
