import { api, type Contact, must } from "../api";
import { type ContactFilters, contactQuery } from "./contacts";

const COLUMNS = [
  "first_name",
  "last_name",
  "email",
  "phone",
  "company",
  "job_title",
  "location",
  "stage",
  "source",
  "tags",
  "notes",
  "created_at",
] as const;

/**
 * One CSV cell: quoted when it holds a quote, comma or line break; a leading `=`, `+`, `-`, `@`,
 * tab or carriage return gets a `'` first, so a spreadsheet never runs it as a formula.
 */
function cell(value: unknown): string {
  let text = Array.isArray(value) ? value.join(";") : value == null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const contactsCsv = (contacts: readonly Contact[]) =>
  [COLUMNS.join(","), ...contacts.map((c) => COLUMNS.map((column) => cell(c[column])).join(","))].join("\r\n") + "\r\n";

/** Every contact the filters select, a page of 100 at a time by cursor. */
export async function allContacts(filters: ContactFilters, onProgress: (loaded: number) => void): Promise<Contact[]> {
  const rows: Contact[] = [];
  let page = await must(api.GET("/v1/contacts", { params: { query: { ...contactQuery(filters), limit: 100 } } }));
  for (;;) {
    rows.push(...page.data);
    onProgress(rows.length);
    const cursor = page.pagination.next_cursor;
    if (!cursor) return rows;
    page = await must(api.GET("/v1/contacts", { params: { query: { cursor, limit: 100 } } }));
  }
}
