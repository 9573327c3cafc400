import { api, type Contact, must } from "../api";
import { type ContactFilters, contactQuery } from "./contacts";
import { toCsv } from "./csv";

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

export const contactsCsv = (contacts: readonly Contact[]) => toCsv(COLUMNS, contacts);

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
