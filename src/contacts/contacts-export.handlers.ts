import type { AppRouteHandler } from "../keys/app-env";
import type { Db } from "../lib/db/runner";
import { validationError } from "../lib/errors";
import { readListQuery } from "../lib/pagination";
import { ListContactsQuery } from "./contacts.schemas";
import type { ContactFilters } from "./contacts.search";
import { exportStream, exportWriter, MAX_CUSTOM_COLUMNS } from "./contacts-export";
import type * as routes from "./contacts-export.routes";
import { customFieldKeys, walkContacts } from "./contacts-lists.data";

/**
 * The export's filters, read exactly as the list reads its own (so every filter the list takes, the
 * export takes), without the page: an export has every match.
 */
function readExportFilters(raw: Record<string, string>) {
  const { format: _format, ...listQuery } = raw;
  const { query } = readListQuery(listQuery, ListContactsQuery, "contacts");
  const paged = (["page", "limit", "cursor"] as const).filter((name) => query[name] !== undefined);
  if (paged.length > 0)
    throw validationError(paged.map((field) => ({ field, message: "does not apply to an export, which has every match" })));
  return query;
}

/** The CSV file's custom columns: every key the matching contacts use, known before the first row is written. */
async function customColumns(db: Db, workspaceId: string, filters: ContactFilters) {
  const keys = await customFieldKeys(db, workspaceId, filters, MAX_CUSTOM_COLUMNS + 1);
  if (keys.length > MAX_CUSTOM_COLUMNS) {
    throw validationError([
      {
        field: "format",
        message: `csv holds at most ${MAX_CUSTOM_COLUMNS} custom field columns and these contacts use more; narrow the filters or export ndjson`,
      },
    ]);
  }
  return keys;
}

export const exportContacts: AppRouteHandler<typeof routes.exportContacts> = async (c) => {
  const format = c.req.valid("query").format ?? "csv";
  const filters = readExportFilters(c.req.query());
  const { db } = c.var;
  const workspaceId = c.var.caller.workspace.id;
  const keys = format === "csv" ? await customColumns(db, workspaceId, filters) : [];
  const pages = walkContacts(db, workspaceId, filters);
  const first = await pages.next();
  const logFailure = (error: unknown) =>
    console.error(
      JSON.stringify({ level: "error", msg: "export failed after it started", request_id: c.var.requestId, error: String(error) }),
    );
  const writer = exportWriter(format, keys);
  const filename = `contacts-${new Date().toISOString().slice(0, 10)}.${format}`;
  return c.body(exportStream(writer, first, pages, logFailure), 200, {
    "Content-Type": writer.contentType,
    "Content-Disposition": `attachment; filename="${filename}"`,
    "Cache-Control": "no-store",
  });
};
