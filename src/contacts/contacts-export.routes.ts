import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { errorResponses } from "../lib/openapi";
import { ListContactsQuery } from "./contacts.schemas";
import { EXPORT_FORMATS, MAX_CUSTOM_COLUMNS } from "./contacts-export";

/** The list's filters, search and sort, and the file's format (no page: an export has every match). */
export const ExportContactsQuery = ListContactsQuery.doc.omit({ page: true, limit: true, cursor: true }).extend({
  format: z.enum(EXPORT_FORMATS).optional().openapi({ description: "`csv` (default), `vcf` (vCard 3.0) or `ndjson`." }),
});

const file = (description: string) => ({ schema: { type: "string" as const, description } });

export const exportContacts = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/export",
    tags: ["Contacts"],
    operationId: "exportContacts",
    summary: "Export every contact a list matches, as CSV, vCard or NDJSON",
    description: `Permission \`contacts:read\`. Takes every filter, search and sort of \`GET /contacts\` (not \`page\`, \`limit\` or \`cursor\`) and streams all matches as a download (\`Content-Disposition: attachment; filename="contacts-YYYY-MM-DD.{csv,vcf,ndjson}"\`). CSV: RFC 4180, UTF-8 with a byte order mark, a header row of the API's field names (\`site\` as \`site_id\`, \`site_title\`; tags joined by \`;\`; a \`custom.{key}\` column for each custom field key the matching contacts use, at most ${MAX_CUSTOM_COLUMNS}); a cell starting with \`=\`, \`+\`, \`-\`, \`@\`, a tab or a carriage return (after any apostrophes) gets an apostrophe in front. vCard: 3.0, as \`/contacts/{id}/vcard\` writes it. NDJSON: one contact representation a line.`,
    request: { query: ExportContactsQuery },
    responses: {
      200: {
        description: "The matching contacts, streamed",
        headers: { "Content-Disposition": { schema: { type: "string" }, description: 'attachment; filename="contacts-YYYY-MM-DD.csv"' } },
        content: {
          "text/csv": file("RFC 4180 CSV with a header row"),
          "text/vcard": file("vCard 3.0, one card per contact"),
          "application/x-ndjson": file("One contact (as `GET /contacts/{id}` answers it) a line"),
        },
      },
      ...errorResponses(400, 401, 403),
    },
  },
);
