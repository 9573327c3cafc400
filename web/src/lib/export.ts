import { api, must } from "../api";
import { type ContactFilters, filterQuery } from "./contacts";
import { attachmentName, saveBlob } from "./download";

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
