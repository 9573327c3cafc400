import type { AppRouteHandler } from "../keys/app-env";
import { notFound } from "../lib/errors";
import { pageOf, readListQuery } from "../lib/pagination";
import { planFile, uploadedFile } from "./import-files";
import { findImport, listImports, startImport } from "./imports.data";
import type * as routes from "./imports.routes";
import { ImportsQuery } from "./imports.routes";
import type { Import } from "./imports.table";

/** An import as the API answers it. */
export const toImport = (imp: Import) => ({
  id: imp.id,
  status: imp.status,
  mode: imp.mode,
  format: imp.format,
  tags: imp.tags,
  bytes: imp.bytes,
  rows: imp.rows,
  created: imp.created,
  updated: imp.updated,
  skipped: imp.skipped,
  failed: imp.failed,
  errors: imp.errors,
  ignored_fields: imp.ignoredFields,
  created_at: imp.createdAt,
  updated_at: imp.updatedAt,
  finished_at: imp.finishedAt,
});

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const { mode = "create", tags = [] } = c.req.valid("query");
  const { bytes, format } = await uploadedFile(c.req.header("content-type"), await c.req.arrayBuffer());
  const plan = await planFile(bytes, format);
  const imp = await startImport(c.var.db, c.env.IMPORTS, c.env.IMPORT_QUEUE, c.var.caller.workspace.id, {
    mode,
    tags,
    format,
    bytes,
    plan,
  });
  return c.json(toImport(imp), 202, { Location: `/v1/imports/${imp.id}` });
};

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { page } = readListQuery(c.req.query(), ImportsQuery, "imports");
  const { rows, total } = await listImports(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (i) => [i.createdAt, i.id], toItem: toImport, total }), 200);
};

export const get: AppRouteHandler<typeof routes.get> = async (c) => {
  const imp = await findImport(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  if (!imp) throw notFound("Import");
  return c.json(toImport(imp), 200);
};
