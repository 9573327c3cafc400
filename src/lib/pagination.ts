import { z } from "@hono/zod-openapi";
import { type AnyColumn, type Placeholder, type SQL, sql } from "drizzle-orm";
import { base64UrlDecode, base64UrlEncode } from "./crypto";
import { ApiError, validationError } from "./errors";
import { canonicalize, SAME_AS, spellingsOf, toValidationError, withAliases } from "./validation";

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;
/** How far page numbers reach (an offset makes SQLite walk every row before it); a cursor reaches every row. */
export const MAX_OFFSET = 10_000;

const intParam = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, {
      message: max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}` : `must be between ${min} and ${max}`,
    })
    .openapi({ type: "integer", minimum: min, ...(max < Number.MAX_SAFE_INTEGER ? { maximum: max } : {}), param: { name, in: "query" } });

/** Query fields every list endpoint takes. */
export const paginationQuery = {
  page: intParam("page", 1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "Page number, from 1 (default 1)." }),
  limit: intParam("limit", 1, MAX_LIMIT).optional().openapi({ description: "Items per page, 1–100 (default 25). Alias: `per_page`." }),
  cursor: z.string().max(2048).optional().openapi({ description: "Opaque cursor from `pagination.next_cursor`." }),
};

export const paginationAliases = { per_page: "limit" };

export const PaginationSchema = z
  .object({
    page: z.number().int(),
    limit: z.number().int(),
    total: z.number().int(),
    total_exact: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .openapi("Pagination");

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ data: z.array(item), pagination: PaginationSchema }).openapi(name);

export interface PageRequest {
  /** The resource, sort and filters this page belongs to; carried by its next cursor. */
  scope: string;
  limit: number;
  page: number;
  /** Offset for page-number requests; 0 with a cursor. */
  offset: number;
  /** Sort-key values of the last row already seen (cursor requests). */
  after?: (string | number | null)[];
}

interface CursorPayload {
  s: string;
  k: (string | number | null)[];
  p: number;
}

/**
 * Reads `page`/`limit`/`cursor`. `scope` names the resource, sort and filters; a cursor minted
 * for another scope is refused, so a cursor can never silently change what is being walked.
 */
export function readPage(query: { page?: number; limit?: number; cursor?: string }, scope: string, keyLength = 2): PageRequest {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (query.cursor === undefined) {
    const page = query.page ?? 1;
    const offset = (page - 1) * limit;
    if (offset >= MAX_OFFSET) {
      const last = Math.ceil(MAX_OFFSET / limit);
      throw new ApiError("validation_failed", `page must be at most ${last} at this limit; follow pagination.next_cursor to go further`, {
        details: [
          {
            field: "page",
            message: `must be at most ${last} at limit ${limit} (the first ${MAX_OFFSET} items); follow next_cursor beyond`,
          },
        ],
      });
    }
    return { scope, limit, page, offset };
  }
  if (query.page !== undefined) {
    throw new ApiError("validation_failed", "page cannot be combined with cursor", {
      details: [{ field: "page", message: "cannot be combined with cursor" }],
    });
  }
  const payload = decodeCursor(query.cursor);
  if (payload.k.length !== keyLength) throw invalidCursor();
  if (payload.s !== scope) {
    throw new ApiError("validation_failed", "cursor belongs to a different sort or filter; start again without it", {
      details: [{ field: "cursor", message: "belongs to a different sort or filter" }],
    });
  }
  return { scope, limit, page: payload.p, offset: 0, after: payload.k };
}

const invalidCursor = () =>
  new ApiError("validation_failed", "cursor is not valid", { details: [{ field: "cursor", message: "is not valid" }] });

function decodeCursor(cursor: string): CursorPayload {
  const invalid = invalidCursor;
  const text = base64UrlDecode(cursor);
  if (text === null) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid();
  }
  const v = value as Partial<CursorPayload>;
  if (
    typeof v !== "object" ||
    v === null ||
    typeof v.s !== "string" ||
    !Array.isArray(v.k) ||
    !Number.isSafeInteger(v.p) ||
    (v.p ?? 0) < 1 ||
    !v.k.every((x) => x === null || typeof x === "string" || typeof x === "number")
  ) {
    throw invalid();
  }
  return v as CursorPayload;
}

/**
 * Builds the `{data, pagination}` answer from up to `limit + 1` fetched rows; the extra row only
 * tells whether a next page exists.
 */
export function pageOf<R, T>(
  rows: R[],
  request: PageRequest,
  options: {
    keyOf: (row: R) => (string | number | null)[];
    toItem: (row: R) => T;
    total: number;
    totalExact?: boolean;
  },
) {
  const hasMore = rows.length > request.limit;
  const pageRows = hasMore ? rows.slice(0, request.limit) : rows;
  const last = pageRows.at(-1);
  const next_cursor =
    hasMore && last !== undefined
      ? base64UrlEncode(JSON.stringify({ s: request.scope, k: options.keyOf(last), p: request.page + 1 } satisfies CursorPayload))
      : null;
  return {
    data: pageRows.map(options.toItem),
    pagination: {
      page: request.page,
      limit: request.limit,
      total: options.total,
      total_exact: options.totalExact ?? true,
      next_cursor,
    },
  };
}

/** A page from `pageOf` whose items are JSON text already (built by SQLite), as JSON text. */
export function pageJson(page: { data: string[]; pagination: object }): string {
  return `{"data":[${page.data.join(",")}],"pagination":${JSON.stringify(page.pagination)}}`;
}

/**
 * The keyset condition "comes after `values`" for an ordering over `columns`, all ascending or
 * all descending. A row-value comparison, so SQLite walks the matching index from that point.
 */
export function keysetAfter(columns: (AnyColumn | SQL)[], values: (string | number | null | Placeholder)[], descending: boolean): SQL {
  const cols = sql.join(columns, sql`, `);
  const vals = sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );
  return descending ? sql`(${cols}) < (${vals})` : sql`(${cols}) > (${vals})`;
}

/**
 * Reads a list endpoint's query: validates it with `schema`, and resolves a cursor. A cursor
 * carries the filters and sort it was minted for: a request may repeat them or leave them out,
 * but not change them.
 */
export function readListQuery<T extends z.ZodType>(
  rawQuery: Record<string, string>,
  spec: { schema: T; aliases: Record<string, string> },
  resource: string,
  keyLength = 2,
): { query: z.output<T>; page: PageRequest } {
  const { schema } = spec;
  const options = { resource, keyLength };
  const { out, twice } = canonicalize(rawQuery, spec.aliases);
  if (twice.length > 0) throw validationError(twice);
  const filters = Object.entries(out)
    .filter(([k]) => k !== "page" && k !== "limit" && k !== "cursor")
    .map(([k, v]) => [k, String(v)] as [string, string])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const scope = `${options.resource}?${new URLSearchParams(filters).toString()}`;
  let input: Record<string, unknown> = out;
  if (typeof out.cursor === "string" && filters.length === 0) {
    const fromCursor = peekCursorScope(out.cursor);
    if (fromCursor?.startsWith(`${options.resource}?`)) {
      input = { ...Object.fromEntries(new URLSearchParams(fromCursor.slice(options.resource.length + 1))), ...out };
    }
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    if (input !== out) throw invalidCursor();
    throw toValidationError(parsed.error);
  }
  const effectiveScope = input === out ? scope : peekCursorScope(out.cursor as string)!;
  return { query: parsed.data, page: readPage(parsed.data as PageQuery, effectiveScope, options.keyLength) };
}

type PageQuery = { page?: number; limit?: number; cursor?: string };

function peekCursorScope(cursor: string): string | undefined {
  try {
    return decodeCursor(cursor).s;
  } catch {
    return undefined;
  }
}

/**
 * A list endpoint's query schemas: `schema` validates strictly with aliases (see readListQuery);
 * `doc` is the same fields, lenient, for the route's OpenAPI parameters. A family (`{custom_fields:
 * schema}`) is a set of parameters named `custom_fields.{anything}`: `schema` gets them as one
 * object, by the rest of their names; the route's description documents them (OpenAPI has no
 * parameter of a varying name).
 */
export function listQuery<S extends z.ZodRawShape, F extends z.ZodRawShape = Record<never, never>>(
  shape: S,
  aliases: Record<string, string> = paginationAliases,
  families: F = {} as F,
) {
  const fields = { ...paginationQuery, ...shape };
  const strict = z.strictObject({ ...fields, ...families });
  return {
    doc: z.object({ ...fields, ...otherSpellings(fields, aliases) }),
    schema: withAliases(Object.keys(families).length ? z.preprocess(gatherFamilies(Object.keys(families)), strict) : strict, aliases),
    aliases,
  };
}

/**
 * The other names a query parameter may be sent under (camelCase, listed aliases). Each is read
 * (and validated) as the parameter it stands for by `readListQuery`, so here it takes any string;
 * the document gives it the canonical parameter's schema (see `SAME_AS`).
 */
function otherSpellings(fields: z.ZodRawShape, aliases: Record<string, string>) {
  const names = spellingsOf(Object.keys(fields), aliases);
  return Object.fromEntries(
    Object.entries(names).map(([name, canonical]) => [
      name,
      z
        .string()
        .optional()
        .openapi({
          description: `The same as \`${canonical}\` (send one spelling only).`,
          param: { name, in: "query" },
          [SAME_AS]: canonical,
        }),
    ]),
  ) as Record<never, z.ZodOptional<z.ZodString>>; // typed as no fields: handlers read the canonical names
}

/** Moves each `{family}.{rest}` parameter into an object `{family: {rest: value}}` (unless `family` itself was sent, which the schema refuses). */
const gatherFamilies = (families: string[]) => (input: unknown) => {
  if (input === null || typeof input !== "object") return input;
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(input)) {
    const family = families.find((f) => name.startsWith(`${f}.`));
    if (family === undefined || Object.hasOwn(input, family)) {
      out[name] = value;
      continue;
    }
    out[family] ??= Object.create(null);
    (out[family] as Record<string, unknown>)[name.slice(family.length + 1)] = value;
  }
  return out;
};
