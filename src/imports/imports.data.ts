import { and, eq, sql } from "drizzle-orm";
import { contacts } from "../contacts/contacts.table";
import { findFirst, selectPage } from "../lib/db/pages";
import type { Db } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import type { FilePlan } from "./import-files";
import { type Import, type ImportFormat, type ImportMode, type ImportStatus, imports, type RowError } from "./imports.table";

/** A queue message: import chunk number `chunk` of import `id` (chunks are done in order, each once). */
export interface ImportJob {
  id: string;
  chunk: number;
}

/** The report keeps the first problems only. */
export const MAX_REPORTED_ERRORS = 100;
const MAX_IGNORED_FIELDS = 100;

/**
 * Accepts an import: its file into the bucket, its row (queued), its first chunk onto the queue,
 * in that order, so the consumer finds everything it is told about. Whatever fails undoes what came
 * before it.
 */
export async function startImport(
  db: Db,
  bucket: R2Bucket,
  queue: Queue<ImportJob>,
  workspaceId: string,
  file: { mode: ImportMode; tags: string[]; format: ImportFormat; bytes: Uint8Array; plan: FilePlan },
): Promise<Import> {
  const now = nowIso();
  const id = uuidv7();
  const row: Import = {
    id,
    workspaceId,
    status: "queued",
    mode: file.mode,
    format: file.format,
    tags: file.tags,
    fileKey: `${workspaceId}/${id}.${file.format === "csv" ? "csv" : "vcf"}`,
    bytes: file.bytes.length,
    columns: file.plan.columns,
    chunks: 0,
    nextOffset: file.plan.offset,
    nextRow: file.plan.row,
    rows: 0,
    created: 0,
    updated: 0,
    skipped: 0,
    failed: 0,
    errors: [],
    ignoredFields: file.plan.ignored.slice(0, MAX_IGNORED_FIELDS),
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  await bucket.put(row.fileKey, file.bytes);
  try {
    await db.run(db.orm.insert(imports).values(row));
    try {
      await queue.send({ id, chunk: 0 });
    } catch (error) {
      await db.run(db.orm.delete(imports).where(eq(imports.id, id)));
      throw error;
    }
  } catch (error) {
    await bucket.delete(row.fileKey);
    throw error;
  }
  return row;
}

export const findImport = (db: Db, workspaceId: string, id: string) =>
  findFirst(db, imports, and(eq(imports.workspaceId, workspaceId), eq(imports.id, id)));

/** The import a queue message names, whichever workspace holds it (the consumer's statements then keep to that one). */
export const importById = (db: Db, id: string) => findFirst(db, imports, eq(imports.id, id));

export const listImports = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, imports, eq(imports.workspaceId, workspaceId), [imports.createdAt, imports.id], page);

export async function markRunning(db: Db, id: string) {
  await db.run(
    db.orm
      .update(imports)
      .set({ status: "running", updatedAt: nowIso() })
      .where(and(eq(imports.id, id), eq(imports.status, "queued"))),
  );
}

/** What one chunk did, and where the next starts. */
export interface ChunkOutcome {
  status: ImportStatus;
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  errors: RowError[];
  ignored: string[];
  nextOffset: number;
  nextRow: number;
}

/**
 * Adds a chunk's outcome to the report and moves the import on, only if no other delivery of the
 * same chunk did so first (`chunks` is still the number this one started from). False when one did.
 */
export async function saveChunk(db: Db, imp: Import, outcome: ChunkOutcome): Promise<boolean> {
  const now = nowIso();
  const finished = outcome.status === "done" || outcome.status === "failed";
  const saved = await db.all(
    db.orm
      .update(imports)
      .set({
        status: outcome.status,
        rows: sql`${imports.rows} + ${outcome.rows}`,
        created: sql`${imports.created} + ${outcome.created}`,
        updated: sql`${imports.updated} + ${outcome.updated}`,
        skipped: sql`${imports.skipped} + ${outcome.skipped}`,
        failed: sql`${imports.failed} + ${outcome.failed}`,
        errors: [...imp.errors, ...outcome.errors].slice(0, MAX_REPORTED_ERRORS),
        ignoredFields: [...new Set([...imp.ignoredFields, ...outcome.ignored])].slice(0, MAX_IGNORED_FIELDS),
        chunks: imp.chunks + 1,
        nextOffset: outcome.nextOffset,
        nextRow: outcome.nextRow,
        updatedAt: now,
        finishedAt: finished ? now : null,
      })
      .where(and(eq(imports.id, imp.id), eq(imports.chunks, imp.chunks)))
      .returning({ id: imports.id }),
  );
  return saved.length > 0;
}

/** Ends an import that cannot go on, with the reason as the report's last problem. */
export async function failImport(db: Db, imp: Import, problem: RowError) {
  const now = nowIso();
  await db.run(
    db.orm
      .update(imports)
      .set({ status: "failed", errors: [...imp.errors, problem].slice(0, MAX_REPORTED_ERRORS), updatedAt: now, finishedAt: now })
      .where(eq(imports.id, imp.id)),
  );
}

/** Which of `ids` are contacts of the workspace already (rows an earlier delivery of a chunk created). */
export async function existingContactIds(db: Db, workspaceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all(
    db.orm
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, workspaceId), sql`${contacts.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`)),
  );
  return new Set(rows.map((r) => r.id));
}
