import type { Schemas } from "../api";

export type Import = Schemas["Import"];

/** Whether a file is a vCard file, as the API tells: by its type, else its name, else its first line. */
export function isVcard(file: File, text: string) {
  if (/^text\/(x-)?vcard|^text\/directory/.test(file.type)) return true;
  if (file.type === "text/csv" || /\.csv$/i.test(file.name)) return false;
  return /\.(vcf|vcard)$/i.test(file.name) || /^\ufeff?\s*BEGIN:VCARD/i.test(text.slice(0, 64));
}

/** CSV records after the header row: line ends outside quotes, blank lines included, as the API counts rows. */
function csvRows(text: string) {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || (c === "\r" && text[i + 1] !== "\n"))) records++;
  }
  if (text.length > 0 && !/[\r\n]$/.test(text)) records++;
  return Math.max(0, records - 1);
}

/**
 * How many rows the API will read from this file: the length of the import's progress bar. The
 * API counts as it goes and never says the total, so the console counts the file it sends.
 */
export const rowsIn = (file: File, text: string) => (isVcard(file, text) ? (text.match(/^BEGIN:VCARD/gim) ?? []).length : csvRows(text));

export const isFinished = (imp: Import) => imp.status === "done" || imp.status === "failed";
