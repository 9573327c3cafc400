import { parse } from "csv-parse/stream";
import { validationError } from "../lib/errors";
import { readCards } from "../lib/vcard-reader";
import { columnTargets, namesAField } from "./import-rows";
import type { ColumnTarget, ImportFormat } from "./imports.table";

/** The files an import reads: which request bodies are files, what format they are in, and their records. */

export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

const CSV_TYPES = new Set(["text/csv", "application/csv", "text/x-csv", "text/comma-separated-values", "application/vnd.ms-excel"]);
const VCARD_TYPES = new Set(["text/vcard", "text/x-vcard", "text/directory"]);
/**
 * Types that say nothing of the format, which the file's first line then tells: what `curl
 * --data-binary @file` sends without a `-H` (form-urlencoded), and generic file types.
 */
const UNSAID_TYPES = new Set(["application/x-www-form-urlencoded", "application/octet-stream", "text/plain", ""]);
const MULTIPART = "multipart/form-data";
const FILE_PART = "file";

const mediaType = (contentType: string | undefined) => (contentType ?? "").split(";")[0]!.trim().toLowerCase();

/** Whether an import request's body can be a file (the body guard's rule; 415 otherwise). */
export const isImportType = (contentType: string | undefined) => {
  const type = mediaType(contentType);
  return CSV_TYPES.has(type) || VCARD_TYPES.has(type) || UNSAID_TYPES.has(type) || type === MULTIPART;
};

export const IMPORT_TYPES = "Content-Type must be text/csv, text/vcard or multipart/form-data with a file part";

const formatOfType = (type: string): ImportFormat | undefined =>
  CSV_TYPES.has(type) ? "csv" : VCARD_TYPES.has(type) ? "vcard" : undefined;

const formatOfName = (name: string): ImportFormat | undefined =>
  /\.csv$/i.test(name) ? "csv" : /\.(vcf|vcard)$/i.test(name) ? "vcard" : undefined;

/** A file that says nothing of its format is a vCard if it starts like one, else CSV. */
const sniffed = (bytes: Uint8Array): ImportFormat =>
  /^\ufeff?\s*BEGIN:VCARD/i.test(new TextDecoder().decode(bytes.subarray(0, 64))) ? "vcard" : "csv";

const fileProblem = (message: string) => validationError([{ field: "file", message }]);

/**
 * The file of an import request and its format: the body itself, or the `file` part of a
 * multipart form (as a browser's file input sends it), the format by the part's type or name.
 */
export async function uploadedFile(
  contentType: string | undefined,
  body: ArrayBuffer,
): Promise<{ bytes: Uint8Array; format: ImportFormat }> {
  const type = mediaType(contentType);
  if (type !== MULTIPART) {
    const bytes = new Uint8Array(body);
    return { bytes, format: formatOfType(type) ?? sniffed(bytes) };
  }
  let form: FormData;
  try {
    form = await new Request("https://upload.invalid/", { method: "POST", headers: { "content-type": contentType! }, body }).formData();
  } catch {
    throw fileProblem("could not be read: the multipart/form-data body is malformed");
  }
  const part = form.get(FILE_PART);
  if (part === null) throw fileProblem(`is missing: send the file as the multipart part named "${FILE_PART}"`);
  if (typeof part === "string") {
    const bytes = new TextEncoder().encode(part);
    return { bytes, format: sniffed(bytes) };
  }
  const bytes = new Uint8Array(await part.arrayBuffer());
  return { bytes, format: formatOfType(mediaType(part.type)) ?? formatOfName(part.name) ?? sniffed(bytes) };
}

const UTF8_SLICE = 1 << 20;

/** Whether the bytes are UTF-8, read a slice at a time (a 20 MiB file never becomes one string here). */
function isUtf8(bytes: Uint8Array): boolean {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    for (let at = 0; at < bytes.length; at += UTF8_SLICE) decoder.decode(bytes.subarray(at, at + UTF8_SLICE), { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

const WHITESPACE = new Set([0x09, 0x0a, 0x0d, 0x20]);
const isBlank = (bytes: Uint8Array) => bytes.every((b) => WHITESPACE.has(b));
const withoutBom = (bytes: Uint8Array) => (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes);

/** Where an accepted file's rows start, and (CSV) where its columns go. */
export interface FilePlan {
  columns: ColumnTarget[];
  ignored: string[];
  /** The byte offset of the first row, and its number (the header is row 1). */
  offset: number;
  row: number;
}

/**
 * Checks a file before it is accepted, and reads what every chunk needs: text in UTF-8, not
 * empty; a CSV file's header naming at least one contact field, with a row after it; a vCard file
 * with a card. Throws 400 naming `file` otherwise.
 */
export async function planFile(bytes: Uint8Array, format: ImportFormat): Promise<FilePlan> {
  if (isBlank(withoutBom(bytes))) throw fileProblem("is empty");
  if (bytes.includes(0) || !isUtf8(bytes)) throw fileProblem("is not UTF-8 text (save it as CSV UTF-8, or as a vCard)");
  if (format === "vcard") {
    const first = await readCards(streamOf(bytes)).next();
    if (first.done) throw fileProblem("is not a vCard file: it has no BEGIN:VCARD line");
    return { columns: [], ignored: [], offset: 0, row: 1 };
  }
  let header: { cells: string[]; end: number } | undefined;
  try {
    header = (await csvRecords(streamOf(bytes), 0).next()).value;
  } catch (error) {
    throw fileProblem(`is not CSV: ${csvProblem(error)}`);
  }
  const { columns, ignored } = columnTargets(header?.cells ?? []);
  if (!namesAField(columns)) {
    throw fileProblem(
      "is not a contacts CSV: no column of its first row names a contact field (first_name, last_name, email, phone, company, …)",
    );
  }
  if (isBlank(bytes.subarray(header!.end))) throw fileProblem("has a header row but no rows");
  return { columns, ignored, offset: header!.end, row: 2 };
}

const streamOf = (bytes: Uint8Array) => new Blob([bytes]).stream();

/** What csv-parse found wrong. */
export const csvProblem = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The longest CSV record read (a quote never closed would otherwise run to the end of the file). */
const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * CSV records from a stream that starts at byte `offset` of the file, each with the offset just
 * past it. Blank lines are records of one empty cell (a spreadsheet shows them as rows too).
 */
export async function* csvRecords(stream: ReadableStream<Uint8Array>, offset: number): AsyncGenerator<{ cells: string[]; end: number }> {
  const records = stream.pipeThrough(
    parse({
      info: true,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      max_record_size: MAX_RECORD_BYTES,
    }),
  );
  const reader = records.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const { record, info } = value as { record: string[]; info: { bytes: number } };
      yield { cells: record, end: offset + info.bytes };
    }
  } finally {
    reader.releaseLock();
    await records.cancel().catch(() => {});
  }
}

/** A vCard file's cards from a stream that starts at byte `offset`, each with the offset just past it. */
export async function* vcardRecords(stream: ReadableStream<Uint8Array>, offset: number) {
  for await (const card of readCards(stream)) yield { ...card, end: offset + card.end };
}
