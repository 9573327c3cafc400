import { csvRecord, UTF8_BOM } from "../lib/csv";
import { toVCard } from "../lib/vcard";
import { type ContactJson, parseContact } from "./contacts.data";
import { CONTACT_FIELDS, type Contact } from "./contacts.fields";

/** The files a list of contacts exports to: CSV, vCard 3.0 and newline-delimited JSON. */

export const EXPORT_FORMATS = ["csv", "vcf", "ndjson"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A CSV export's columns for custom fields: one per key the matching contacts use, at most this many. */
export const MAX_CUSTOM_COLUMNS = 500;

/** The CSV column of each custom field key. */
export const customColumn = (key: string) => `custom.${key}`;

/** The contact as a vCard 3.0, as `GET /contacts/{id}/vcard` and the vCard export write it. */
export function contactVCard(contact: Contact): string {
  return toVCard({
    firstName: contact.first_name,
    lastName: contact.last_name,
    fullName: contact.name,
    organization: contact.company,
    title: contact.job_title,
    email: contact.email,
    phone: contact.phone,
    address: contact.location,
    urls: [contact.linkedin_url],
    photoUrl: contact.photo_url,
    note: contact.notes,
    categories: contact.tags,
    uid: `urn:uuid:${contact.id}`,
    revision: contact.updated_at,
  });
}

type Cell = (contact: Contact) => string;

const text = (value: unknown) => (value === null || value === undefined ? "" : String(value));

/**
 * The representation's fields as CSV columns, in its order, named as the API names them: `site`
 * (an object) becomes `site_id` and `site_title`, `tags` one cell joined by `;`, and
 * `custom_fields` a `custom.{key}` column per key, after all the others.
 */
const FIELD_COLUMNS: [string, Cell][] = Object.keys(CONTACT_FIELDS).flatMap((key): [string, Cell][] => {
  const field = key as keyof Contact;
  if (field === "custom_fields") return [];
  if (field === "site")
    return [
      ["site_id", (c) => text(c.site?.id)],
      ["site_title", (c) => text(c.site?.title)],
    ];
  if (field === "tags") return [["tags", (c) => c.tags.join(";")]];
  return [[field, (c) => text(c[field])]];
});

/** How one export format writes its file: what comes first, then each contact. */
export interface ExportWriter {
  contentType: string;
  head: string;
  contact(json: ContactJson): string;
}

/** The writer of `format`; a CSV file's custom columns are `customKeys`, known before the first row. */
export function exportWriter(format: ExportFormat, customKeys: readonly string[] = []): ExportWriter {
  if (format === "ndjson") return { contentType: "application/x-ndjson; charset=utf-8", head: "", contact: (json) => `${json}\n` };
  if (format === "vcf") return { contentType: "text/vcard; charset=utf-8", head: "", contact: (json) => contactVCard(parseContact(json)) };
  const columns = [...FIELD_COLUMNS, ...customKeys.map((key): [string, Cell] => [customColumn(key), (c) => text(c.custom_fields[key])])];
  return {
    contentType: "text/csv; charset=utf-8; header=present",
    head: UTF8_BOM + csvRecord(columns.map(([name]) => name)),
    contact: (json) => {
      const contact = parseContact(json);
      return csvRecord(columns.map(([, cell]) => cell(contact)));
    },
  };
}

/**
 * The export as a byte stream that reads a page of contacts only when the reader wants more
 * (`highWaterMark: 0`), so memory holds one page whatever the number of contacts. The first page is
 * read before the answer starts (its errors answer as errors); a later failure aborts the transfer,
 * so a client never takes a cut-off file for a whole one.
 */
export function exportStream(
  writer: ExportWriter,
  first: IteratorResult<ContactJson[]>,
  pages: AsyncIterator<ContactJson[]>,
  onError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let head = writer.head;
  let next: IteratorResult<ContactJson[]> | undefined = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const page = next ?? (await pages.next());
          next = undefined;
          if (page.done) {
            if (head) controller.enqueue(encoder.encode(head));
            controller.close();
            return;
          }
          controller.enqueue(encoder.encode(head + page.value.map(writer.contact).join("")));
          head = "";
        } catch (error) {
          onError(error);
          controller.error(error);
        }
      },
      async cancel() {
        await pages.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
