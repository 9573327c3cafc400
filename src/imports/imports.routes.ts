import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { tagList } from "../contacts/contacts.fields";
import { ErrorSchema, errorResponses, json } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { MAX_IMPORT_BYTES } from "./import-files";
import { MAX_REPORTED_ERRORS } from "./imports.data";
import { IMPORT_FORMATS, IMPORT_MODES, IMPORT_STATUSES } from "./imports.table";

const tags = ["Imports"];
const params = idParam("Import");

export const RowErrorSchema = z
  .object({
    row: z.number().int().openapi({ description: "The row's number in the file (a CSV header is row 1), or the card's." }),
    field: z.string().nullable().openapi({ description: "The field or column at fault; null when the whole row is." }),
    code: z.string().openapi({
      description: "The API's error code for the same problem (`validation_failed`, `duplicate_contact`, `contact_limit_reached`, …).",
    }),
    error: z.string(),
  })
  .openapi("ImportRowError");

export const ImportSchema = z
  .object({
    id: z.string(),
    status: z.enum(IMPORT_STATUSES),
    mode: z.enum(IMPORT_MODES),
    format: z.enum(IMPORT_FORMATS),
    tags: z.array(z.string()),
    bytes: z.number().int(),
    rows: z.number().int().openapi({ description: "Rows read so far (blank rows too)." }),
    created: z.number().int(),
    updated: z.number().int(),
    skipped: z.number().int().openapi({ description: "Blank rows, and (mode `create`) rows that duplicate a contact." }),
    failed: z.number().int(),
    errors: z.array(RowErrorSchema).openapi({ description: `The first ${MAX_REPORTED_ERRORS} problems, by row.` }),
    ignored_fields: z.array(z.string()).openapi({ description: "Columns or vCard properties of the file that no contact field takes." }),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi("Import");

const tagsParam = z
  .string()
  .transform((s) => s.split(",").filter((t) => t.trim() !== ""))
  .pipe(tagList)
  .optional()
  .openapi({ type: "string", description: "Comma-separated tags added to every imported contact." });

export const CreateImportQuery = z.strictObject({
  mode: z.enum(IMPORT_MODES).optional().openapi({
    description:
      "`create` (default): every row is a new contact, a duplicate is skipped. `upsert`: a row matching a contact by email, then phone, updates it.",
  }),
  tags: tagsParam,
});

export const ImportsQuery = listQuery({});

const mib = MAX_IMPORT_BYTES / (1024 * 1024);
const file = (description: string) => ({ schema: { type: "string" as const, format: "binary", description } });
const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

export const create = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/imports",
    tags,
    operationId: "createImport",
    summary: "Import contacts from a CSV or vCard file",
    description: `Permission \`contacts:write\`. The body is the file (up to ${mib} MiB, UTF-8): a CSV with a header row (the export's column names, or common spellings of other tools such as \`First Name\`, \`E-mail Address\`, \`Mobile Phone\`; \`custom.{key}\` columns) or a vCard (3.0 or 4.0) file, sent as \`text/csv\`, \`text/vcard\`, or as the \`file\` part of \`multipart/form-data\`. The file is checked (readable, a header naming a contact field, at least one row) and stored, and answers 202 at once; a queue imports its rows, each through the same validation and create or upsert as the API, with \`source: "import"\`. Follow it with \`GET /imports/{id}\`.`,
    request: {
      query: CreateImportQuery,
      body: {
        required: true,
        content: {
          "text/csv": file("A CSV file with a header row"),
          "text/vcard": file("A vCard file"),
          // A plain schema, not zod: the router would otherwise read the form and want `file` a string.
          "multipart/form-data": {
            schema: { type: "object", required: ["file"], properties: { file: { type: "string", format: "binary" } } },
          },
        },
      },
    },
    responses: {
      202: {
        ...json(ImportSchema, "Accepted and queued"),
        headers: { Location: { required: true, description: "The import's address, `/v1/imports/{id}`.", schema: { type: "string" } } },
      },
      ...errorResponses(400, 401, 403),
      413: error(`The file is over ${mib} MiB (\`payload_too_large\`)`),
      415: error("Not a CSV, vCard or multipart/form-data body (`unsupported_media_type`)"),
    },
  },
);

export const list = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/imports",
    tags,
    operationId: "listImports",
    summary: "List imports",
    description: "Permission `contacts:read`. The workspace's imports with their reports, newest first.",
    request: { query: ImportsQuery.doc },
    responses: { 200: json(listOf(ImportSchema, "ImportList"), "Imports"), ...errorResponses(400, 401, 403) },
  },
);

export const get = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/imports/{id}",
    tags,
    operationId: "getImport",
    summary: "Get an import's status and report",
    description: `Permission \`contacts:read\`. Where the import is (\`queued\`, \`running\`, \`done\`, \`failed\`), its counts so far, and the first ${MAX_REPORTED_ERRORS} row problems.`,
    request: { params },
    responses: { 200: json(ImportSchema, "The import"), ...errorResponses(401, 403, 404) },
  },
);
