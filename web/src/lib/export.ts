import { csvRecord, UTF8_BOM } from "../../../src/lib/csv";
import { api, type Contact, must } from "../api";
import { type ContactFilters, filterQuery } from "./contacts";
import { attachmentName, saveBlob } from "./download";
import { settleEach } from "./settle";

export const EXPORT_FORMATS = { csv: "CSV", vcf: "vCard" } as const;
export type ExportFormat = keyof typeof EXPORT_FORMATS;

/**
 * Downloads every contact the filters select, in the list's order, as the API's export writes it
 * (`GET /v1/contacts/export`: CSV with formula-safe cells and a column per custom field, or vCard 3.0).
 */
export async function exportContacts(filters: ContactFilters, format: ExportFormat) {
  const answer = api.GET("/v1/contacts/export", { params: { query: { ...filterQuery(filters), format } }, parseAs: "blob" });
  const file = await must(answer);
  saveBlob(file, attachmentName((await answer).response, `contacts.${format}`));
}

type Column = [name: string, cell: (contact: Contact) => string];

const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));

/**
 * The export's CSV columns for these contacts, by the API's rules (docs/api.md, Export): the
 * representation's fields in its order, `site` as `site_id` and `site_title`, `tags` one cell joined
 * by `;`, and a `custom.{key}` column for each custom field key any of them uses, sorted, last.
 */
function csvColumns(contacts: readonly Contact[]): Column[] {
  const fields = Object.keys(contacts[0] ?? {}) as (keyof Contact)[];
  const columns = fields.flatMap((field): Column[] => {
    if (field === "custom_fields") return [];
    if (field === "site")
      return [
        ["site_id", (c) => text(c.site?.id)],
        ["site_title", (c) => text(c.site?.title)],
      ];
    if (field === "tags") return [["tags", (c) => c.tags.join(";")]];
    return [[field, (c) => text(c[field])]];
  });
  const keys = [...new Set(contacts.flatMap((c) => Object.keys(c.custom_fields)))].sort();
  return [...columns, ...keys.map((key): Column => [`custom.${key}`, (c) => text(c.custom_fields[key])])];
}

/** The contacts as the API's CSV export would write them, cells made formula-safe by the API's own CSV code. */
function contactsCsv(contacts: readonly Contact[]): string {
  const columns = csvColumns(contacts);
  return UTF8_BOM + csvRecord(columns.map(([name]) => name)) + contacts.map((c) => csvRecord(columns.map(([, cell]) => cell(c)))).join("");
}

/** `read` of each contact, in order, a few at a time; the first failure (a contact deleted meanwhile) is thrown. */
async function readEach<R>(contacts: readonly Contact[], read: (id: string) => Promise<R>): Promise<R[]> {
  const outcomes = await settleEach(contacts, (c) => read(c.id));
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<R>).value);
}

const readContact = (id: string) => must(api.GET("/v1/contacts/{id}", { params: { path: { id } } }));
const readVCard = (id: string) => must(api.GET("/v1/contacts/{id}/vcard", { params: { path: { id } }, parseAs: "text" }));

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Downloads the chosen contacts, in the list's order, as they are now. The export endpoint selects
 * by filters, not by ids, so the file is made here from the API's own answers, read again one by
 * one: each contact's vCard (the vCard export is those, end to end), or each contact written with
 * the CSV export's columns and cells.
 */
export async function exportSelected(contacts: readonly Contact[], format: ExportFormat) {
  const name = `contacts-selected-${today()}.${format}`;
  if (format === "csv") saveBlob(new Blob([contactsCsv(await readEach(contacts, readContact))], { type: "text/csv;charset=utf-8" }), name);
  else saveBlob(new Blob([(await readEach(contacts, readVCard)).join("")], { type: "text/vcard;charset=utf-8" }), name);
}
