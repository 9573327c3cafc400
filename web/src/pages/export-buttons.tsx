import { useState } from "preact/hooks";
import type { ContactFilters } from "../lib/contacts";
import { EXPORT_FORMATS, type ExportFormat, exportContacts } from "../lib/export";
import { ErrorNote, useAnnounce } from "../ui/feedback";

/** A button per export format (`{action} CSV`, `{action} vCard`), downloading the contacts `filters` select. */
export function ExportButtons({ filters, action = "Export" }: { filters: ContactFilters; action?: string }) {
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();
  const run = (format: ExportFormat) => async () => {
    setError(null);
    setBusy(format);
    try {
      await exportContacts(filters, format);
      announce(`Exported as ${EXPORT_FORMATS[format]}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  };
  return (
    <>
      {(Object.entries(EXPORT_FORMATS) as [ExportFormat, string][]).map(([format, label]) => (
        <button key={format} type="button" class="button" onClick={run(format)} disabled={busy !== null}>
          {busy === format ? "Exporting…" : `${action} ${label}`}
        </button>
      ))}
      <ErrorNote error={error} />
    </>
  );
}
