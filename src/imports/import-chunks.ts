import { createContact } from "../contacts/contacts.data";
import { upsertContact } from "../contacts/contacts-match.data";
import { dbFor } from "../lib/db/client";
import type { Db } from "../lib/db/runner";
import { ApiError, type FieldError } from "../lib/errors";
import { flushOutbox } from "../webhooks/delivery";
import { csvProblem, csvRecords, vcardRecords } from "./import-files";
import { cardFields, checkRow, type Fields, recordFields } from "./import-rows";
import {
  type ChunkOutcome,
  existingContactIds,
  failImport,
  type ImportJob,
  importById,
  MAX_REPORTED_ERRORS,
  markRunning,
  saveChunk,
} from "./imports.data";
import type { Import, RowError } from "./imports.table";

/**
 * The imports queue's consumer: each message is one chunk of an import's rows, read from the file
 * in R2 where the chunk before stopped. A chunk delivered twice (a crash, a retried message)
 * creates nothing twice: a created contact's id is derived from the import's id and its row
 * number, and the report only moves on from the chunk it started at.
 */

/** Rows a queue message imports. */
export const CHUNK_ROWS = 100;

/** The id of the contact row `row` of import `importId` creates: the same on every delivery. */
export async function rowContactId(importId: string, row: number): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${importId}:${row}`)));
  const hex = [...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  // RFC 9562 version 8 (custom) and its variant.
  const v8 = `8${hex.slice(13, 16)}`;
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${v8}-${variant}-${hex.slice(20, 32)}`;
}

/** One row of the file: its number, its fields (null: blank; a FieldError: unreadable) and what the file holds past it. */
interface FileRow {
  row: number;
  fields: Fields | null | FieldError;
  ignored: string[];
  end: number;
}

/** The chunk's rows, from the import's next offset on, at most CHUNK_ROWS; `more` when the file goes on. */
async function readChunk(bucket: R2Bucket, imp: Import): Promise<{ rows: FileRow[]; more: boolean }> {
  const object = await bucket.get(imp.fileKey, { range: { offset: imp.nextOffset } });
  if (!object) throw new MissingFile();
  const rows: FileRow[] = [];
  const records =
    imp.format === "csv"
      ? mapRecords(csvRecords(object.body, imp.nextOffset), (r) => ({
          fields: recordFields(r.cells, imp.columns),
          ignored: [],
          end: r.end,
        }))
      : mapRecords(vcardRecords(object.body, imp.nextOffset), (card) => {
          const { fields, ignored } = cardFields(card.lines);
          const cut: FieldError = { field: "row", message: "the file ends inside this card (no END:VCARD)" };
          return { fields: card.complete ? fields : cut, ignored, end: card.end };
        });
  for await (const record of records) {
    if (rows.length === CHUNK_ROWS) {
      await records.return(undefined);
      return { rows, more: true };
    }
    rows.push({ row: imp.nextRow + rows.length, ...record });
  }
  return { rows, more: false };
}

async function* mapRecords<T, U>(records: AsyncGenerator<T>, map: (record: T) => U): AsyncGenerator<U> {
  for await (const record of records) yield map(record);
}

class MissingFile extends Error {}

/** csv-parse's errors carry a `CSV_…` code. */
const isCsvError = (error: unknown) => error instanceof Error && String((error as { code?: unknown }).code).startsWith("CSV_");

/** A row the file holds but no contact can come from (no contact field is named `message`). */
const isUnreadable = (fields: Fields | FieldError): fields is FieldError =>
  typeof fields.message === "string" && typeof fields.field === "string";

/** What one row became. */
type RowOutcome = "created" | "updated" | "skipped" | "failed";

/** A row's problems as the report lists them (the API's error code, each field it names). */
function rowErrors(row: number, code: string, error: string, details: FieldError[] = []): RowError[] {
  if (details.length === 0) return [{ row, field: null, code, error }];
  return details.map((d) => ({ row, field: d.field, code, error: d.message }));
}

/**
 * Imports one row through the API's own create or upsert (validation, duplicates, plan limit,
 * webhook event). A row whose contact an earlier delivery created is counted as created again.
 */
async function importRow(
  db: Db,
  imp: Import,
  row: FileRow,
  id: string,
  done: Set<string>,
): Promise<{ outcome: RowOutcome; errors: RowError[] }> {
  if (row.fields === null) return { outcome: "skipped", errors: [] };
  if (isUnreadable(row.fields))
    return { outcome: "failed", errors: rowErrors(row.row, "validation_failed", row.fields.message, [row.fields]) };
  if (done.has(id)) return { outcome: "created", errors: [] };
  const checked = checkRow(row.fields, imp.mode, imp.tags);
  if ("problems" in checked) return { outcome: "failed", errors: rowErrors(row.row, "validation_failed", "invalid row", checked.problems) };
  const input = { ...checked.input, id, source: "import" as const };
  try {
    if (imp.mode === "create") {
      await createContact(db, imp.workspaceId, input);
      return { outcome: "created", errors: [] };
    }
    const { created } = await upsertContact(db, imp.workspaceId, input, { source: "import", addTags: imp.tags });
    return { outcome: created ? "created" : "updated", errors: [] };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    const outcome = error.code === "duplicate_contact" ? "skipped" : "failed";
    return { outcome, errors: rowErrors(row.row, error.code, error.message, error.options.details) };
  }
}

/** Imports a chunk's rows one after the other (each an atomic write of its own) and sums them up. */
async function importRows(db: Db, imp: Import, rows: FileRow[]): Promise<Omit<ChunkOutcome, "status" | "nextOffset" | "nextRow">> {
  const ids = await Promise.all(rows.map((r) => rowContactId(imp.id, r.row)));
  const done = await existingContactIds(db, imp.workspaceId, ids);
  const sum = { rows: rows.length, created: 0, updated: 0, skipped: 0, failed: 0, errors: [] as RowError[], ignored: [] as string[] };
  for (const [i, row] of rows.entries()) {
    const { outcome, errors } = await importRow(db, imp, row, ids[i]!, done);
    sum[outcome]++;
    if (imp.errors.length + sum.errors.length < MAX_REPORTED_ERRORS) sum.errors.push(...errors);
    sum.ignored.push(...row.ignored);
  }
  return sum;
}

/** Does chunk `job.chunk` of its import, if that is the import's next; answers the next job, if any. */
export async function runChunk(env: Env, db: Db, job: ImportJob): Promise<ImportJob | null> {
  const imp = await importById(db, job.id);
  if (!imp || imp.status === "done" || imp.status === "failed") return null;
  // A late copy of a chunk already saved: its successor may have been lost with the send that failed.
  if (job.chunk < imp.chunks) return { id: imp.id, chunk: imp.chunks };
  if (job.chunk > imp.chunks) throw new Error(`import ${imp.id}: chunk ${job.chunk} arrived before chunk ${imp.chunks} was saved`);
  await markRunning(db, imp.id);
  let chunk: { rows: FileRow[]; more: boolean };
  try {
    chunk = await readChunk(env.IMPORTS, imp);
  } catch (error) {
    // The file's own faults end the import; anything else (storage failing) is retried.
    const problem =
      error instanceof MissingFile
        ? "the uploaded file is gone from storage"
        : isCsvError(error)
          ? `the file is not CSV from here on: ${csvProblem(error)}`
          : null;
    if (problem === null) throw error;
    await failImport(db, imp, { row: imp.nextRow, field: null, code: "bad_request", error: problem });
    return null;
  }
  const sum = await importRows(db, imp, chunk.rows);
  const last = chunk.rows.at(-1);
  const saved = await saveChunk(db, imp, {
    ...sum,
    status: chunk.more ? "running" : "done",
    nextOffset: last?.end ?? imp.nextOffset,
    nextRow: imp.nextRow + chunk.rows.length,
  });
  await flushOutbox(env, db);
  if (!chunk.more) await env.IMPORTS.delete(imp.fileKey);
  return saved && chunk.more ? { id: imp.id, chunk: imp.chunks + 1 } : null;
}

/** Deliveries of one chunk before the import is given up as failed (the queue's `max_retries` is 10). */
export const MAX_CHUNK_ATTEMPTS = 8;

/**
 * The imports queue: each message one chunk; the next chunk is sent once this one is saved. A chunk
 * that keeps failing fails its import (with the reason in its report) rather than leave it running.
 */
export async function handleImportBatch(batch: MessageBatch<ImportJob>, env: Env) {
  const db = dbFor(env.DB);
  for (const msg of batch.messages) {
    try {
      const next = await runChunk(env, db, msg.body);
      if (next) await env.IMPORT_QUEUE.send(next);
      msg.ack();
    } catch (error) {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "import chunk failed",
          import_id: msg.body.id,
          attempt: msg.attempts,
          error: String(error),
          stack: (error as Error).stack,
        }),
      );
      if (msg.attempts < MAX_CHUNK_ATTEMPTS) {
        msg.retry({ delaySeconds: msg.attempts });
        continue;
      }
      await giveUp(db, msg.body.id);
      msg.ack();
    }
  }
}

async function giveUp(db: Db, id: string) {
  const imp = await importById(db, id);
  if (!imp || imp.status === "done" || imp.status === "failed") return;
  await failImport(db, imp, {
    row: imp.nextRow,
    field: null,
    code: "internal",
    error: `stopped at row ${imp.nextRow}: the rows from there on could not be imported; import them again`,
  });
}
