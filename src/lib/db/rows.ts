import { Column, getTableColumns, is, Param, Placeholder, sql, type InferSelectModel } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Database } from "./client";

type RawRow = Record<string, unknown>;

/** A column whose stored value reads back as itself (text, numbers) needs no decoding. */
const decodes = (column: Column) => column.mapFromDriverValue !== Column.prototype.mapFromDriverValue;

/**
 * Reads a table's rows for the Worker's own use (the contact a write starts from) without
 * Drizzle's per-row mapping, which tests each column's class for every row: the columns are
 * selected under their property names, so a row arrives already shaped, and only the columns
 * whose stored value differs from the model (JSON, booleans) are converted, by the schema's own
 * column mapping. The schema stays the one source of names and types.
 */
export class RowReader<T extends SQLiteTable, Omitted extends keyof InferSelectModel<T> = never> {
  /** The table's columns, `alias."column" AS "property"`, for a SELECT list. */
  readonly columns: string;
  private readonly decoded: [string, Column][];

  /** `omit`: columns the reader leaves out (ones the caller knows or derives without reading them). */
  constructor(table: T, alias: string, omit: Omitted[] = []) {
    const entries = (Object.entries(getTableColumns(table)) as [string, Column][]).filter(([property]) => !omit.includes(property as Omitted));
    this.columns = entries.map(([property, column]) => `${alias}."${column.name}" AS "${property}"`).join(", ");
    this.decoded = entries.filter(([, column]) => decodes(column));
  }

  /** Converts a row selected with `columns` (in place) into the table's model. */
  read(row: RawRow): Omit<InferSelectModel<T>, Omitted> {
    for (const [property, column] of this.decoded) {
      const value = row[property];
      if (value !== null && value !== undefined) row[property] = column.mapFromDriverValue(value);
    }
    return row as Omit<InferSelectModel<T>, Omitted>;
  }
}

/** A query Drizzle built (or SQL text and its parameters) as a D1 statement on `db`'s connection. */
export function statement(db: Database, query: { toSQL(): { sql: string; params: unknown[] } } | string, ...params: unknown[]) {
  if (typeof query === "string") return db.$client.prepare(query).bind(...params);
  const built = query.toSQL();
  return db.$client.prepare(built.sql).bind(...built.params);
}

/**
 * A LIMIT or OFFSET written into the statement's text instead of bound as a parameter. SQLite
 * looks at a bound LIMIT while planning, so it must prepare such a statement again every time it
 * runs (SQLITE_STMTSTATUS_REPREPARE); written as text, SQLite still plans for the number (which
 * `+?`, see `withStablePlan`, would hide from it) and each page size is one statement that D1
 * keeps prepared. Typed as a number for Drizzle's `.limit()` and `.offset()`, which embed it as is.
 */
export function rowCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Not a row count: ${n}`);
  return sql.raw(String(n)) as unknown as number;
}

type Built = { sql: string; params: unknown[] };
type Buildable = { toSQL(): Built };

/** Where each parameter of a shape's statement comes from: a slot's name, and the column encoding its value takes. */
type Source = { name: string; encode?: (value: unknown) => unknown };

/** Statement texts by shape; a shape is a handful of names and numbers, so few are ever made. */
const SHAPES_KEPT = 500;
const shapes = new Map<string, { sql: string; sources: Source[] }>();

/** A named value a `shaped` statement's `build` puts where a request's value goes. */
export const slot = (name: string) => sql.placeholder(name);

/** Each parameter's slot; anything else is a request's value built into the text by mistake. */
function sourcesOf(shape: string, params: unknown[]): Source[] {
  return params.map((p, i) => {
    if (is(p, Placeholder)) return { name: p.name };
    if (is(p, Param) && is(p.value, Placeholder)) return { name: p.value.name, encode: (value) => p.encoder.mapToDriverValue(value) };
    throw new Error(`Statement shape "${shape}": parameter ${i + 1} is a value, not a slot`);
  });
}

/**
 * A statement Drizzle builds once per `shape` and each request fills in with `values`. Building
 * a statement's text (Drizzle walks, checks and escapes every part) costs about what SQLite's work
 * for it does; only values differ between requests of one shape. So `build` must name each value
 * with a `slot` and take nothing else from the request: its result is kept for every request of
 * that shape, and a value built in (any parameter not a slot) is refused when it is first built.
 * Columns' encodings (JSON) still apply to the slots' values; a slot without a value throws.
 */
export function shapedQuery(shape: string, build: () => Buildable, values: Record<string, unknown>): Buildable {
  let kept = shapes.get(shape);
  if (!kept) {
    const built = build().toSQL();
    kept = { sql: built.sql, sources: sourcesOf(shape, built.params) };
    if (shapes.size >= SHAPES_KEPT) shapes.clear();
    shapes.set(shape, kept);
  }
  const params = kept.sources.map(({ name, encode }) => {
    if (!(name in values)) throw new Error(`Statement shape "${shape}": no value for slot "${name}"`);
    return encode ? encode(values[name]) : values[name];
  });
  const text = kept.sql;
  return { toSQL: () => ({ sql: text, params }) };
}

/** `shapedQuery` as a D1 statement on `db`'s connection. */
export const shaped = (db: Database, shape: string, build: () => Buildable, values: Record<string, unknown>) =>
  statement(db, shapedQuery(shape, build, values));
