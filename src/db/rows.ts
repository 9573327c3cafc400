import { Column, fillPlaceholders, getTableColumns, sql, type InferSelectModel } from "drizzle-orm";
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

type Buildable = { toSQL(): { sql: string; params: unknown[] } };

/** Statement texts by shape; a shape is a handful of names, so few are ever made. */
const SHAPES_KEPT = 200;
const shapes = new Map<string, ReturnType<Buildable["toSQL"]>>();

/** A named value a `shaped` statement's `build` puts where a request's value goes. */
export const slot = (name: string) => sql.placeholder(name);

/**
 * A statement Drizzle builds once per `shape` and each request fills in with `values`. Building
 * the text of a write (Drizzle walks, checks and escapes every part) costs about what SQLite's
 * work for it does; only values differ between requests of one shape. So `build` must name each
 * value with a `slot` and take nothing else from the request: its result is kept for every
 * request of that shape. Columns' encodings (JSON) still apply to the slots' values.
 */
export function shaped(db: Database, shape: string, build: () => Buildable, values: Record<string, unknown>) {
  let built = shapes.get(shape);
  if (!built) {
    built = build().toSQL();
    if (shapes.size >= SHAPES_KEPT) shapes.clear();
    shapes.set(shape, built);
  }
  return db.$client.prepare(built.sql).bind(...fillPlaceholders(built.params, values));
}
