/**
 * One CSV cell: a list joined with `;`, quoted when it holds a quote, comma or line break; a
 * leading `=`, `+`, `-`, `@`, tab or carriage return gets a `'` first, so a spreadsheet never runs
 * it as a formula (OWASP's CSV injection advice).
 */
export function csvCell(value: unknown): string {
  let text = Array.isArray(value) ? value.join(";") : value == null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 text: a header row of `columns`, then a row per record, CRLF after each. */
export function toCsv<K extends string>(columns: readonly K[], rows: readonly Partial<Record<K, unknown>>[]): string {
  return [columns.join(","), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(","))]
    .map((line) => `${line}\r\n`)
    .join("");
}
