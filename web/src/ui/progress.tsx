/**
 * A progress bar read out as "`text`": with `value`, how far along of `max`; without, it says only
 * that work is going on (an indeterminate bar, drawn moving).
 */
export function ProgressBar({ label, value, max, text }: { label: string; value?: number; max: number; text: string }) {
  const share = value === undefined || max <= 0 ? undefined : Math.min(100, (100 * value) / max);
  return (
    <div class="progress-wrap">
      <div
        class={`progress${share === undefined ? " progress-indeterminate" : ""}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={text}
      >
        {/* Set through the style object (CSSOM), which the console's CSP allows, unlike a style attribute. */}
        <div class="progress-fill" style={share === undefined ? undefined : { width: `${share}%` }} />
      </div>
      <p class="progress-text" aria-hidden="true">
        {text}
      </p>
    </div>
  );
}
