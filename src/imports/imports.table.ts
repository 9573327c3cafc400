import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamps } from "../lib/db/columns";
import { workspaces } from "../workspaces/workspaces.table";

export const IMPORT_STATUSES = ["queued", "running", "done", "failed"] as const;
export const IMPORT_MODES = ["create", "upsert"] as const;
export const IMPORT_FORMATS = ["csv", "vcard"] as const;

export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export type ImportMode = (typeof IMPORT_MODES)[number];
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One row's problem, as the report lists it. */
export interface RowError {
  row: number;
  field: string | null;
  code: string;
  error: string;
}

/** Where a CSV column's cells go: a contact field, a custom field's key, or nowhere (null). */
export type ColumnTarget = { field: string } | { custom: string } | null;

/**
 * An import: its options, its file's place in the `IMPORTS` bucket (`file_key`), how far the queue
 * consumer has come (`chunks` done, the byte offset and row number the next chunk starts at) and
 * the report so far.
 */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    status: text("status").$type<ImportStatus>().notNull(),
    mode: text("mode").$type<ImportMode>().notNull(),
    format: text("format").$type<ImportFormat>().notNull(),
    /** Tags added to every row. */
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull(),
    fileKey: text("file_key").notNull(),
    bytes: integer("bytes").notNull(),
    /** A CSV file's columns, as read from its header when the import was accepted. */
    columns: text("columns", { mode: "json" }).$type<ColumnTarget[]>().notNull(),
    chunks: integer("chunks").notNull().default(0),
    nextOffset: integer("next_offset").notNull(),
    nextRow: integer("next_row").notNull(),
    rows: integer("rows").notNull().default(0),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** The first 100 problems. */
    errors: text("errors", { mode: "json" }).$type<RowError[]>().notNull(),
    /** Columns (CSV) or properties (vCard) of the file that no contact field takes. */
    ignoredFields: text("ignored_fields", { mode: "json" }).$type<string[]>().notNull(),
    ...timestamps,
    finishedAt: text("finished_at"),
  },
  (t) => [index("imports_workspace").on(t.workspaceId, t.createdAt, t.id)],
);

export type Import = typeof imports.$inferSelect;
