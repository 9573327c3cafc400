/** CSV as RFC 4180 writes it, for spreadsheets: quoted where needed, CRLF, formula cells neutralised. */

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, and tab or carriage return,
 * which some read the same way; OWASP's list) — after any apostrophes, so that neutralising and
 * reading back are exact inverses.
 */
const FORMULA = /^'*[=+\-@\t\r]/;
const NEUTRALISED = /^'+[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A cell starting like a formula gets an apostrophe in front, which spreadsheets show as text. */
export const neutralise = (cell: string) => (FORMULA.test(cell) ? `'${cell}` : cell);

/** The cell as it was before `neutralise` (and as other tools neutralise theirs). */
export const unneutralise = (cell: string) => (NEUTRALISED.test(cell) ? cell.slice(1) : cell);

function quoted(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One record: each cell neutralised and quoted as needed, ended by CRLF. */
export const csvRecord = (cells: readonly string[]) => `${cells.map((cell) => quoted(neutralise(cell))).join(",")}\r\n`;

/** What spreadsheet programs need to read a CSV file as UTF-8; csv-parse's `bom` option drops it. */
export const UTF8_BOM = "\ufeff";
