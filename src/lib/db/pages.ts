import { type AnyColumn, and, asc, count, desc, eq, type InferSelectModel, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { notFound } from "../errors";
import { keysetAfter, type PageRequest } from "../pagination";
import { type Db, rowCount } from "./runner";

/** The first row of `table` that matches `where`, if any. */
export async function findFirst<T extends SQLiteTable>(db: Db, table: T, where: SQL | undefined): Promise<InferSelectModel<T> | undefined> {
  const row = await db.first(
    db.orm
      .select()
      .from(table as SQLiteTable)
      .where(where)
      .limit(rowCount(1)),
  );
  return row as InferSelectModel<T> | undefined;
}

/**
 * One page of `table` rows matching `where`, ordered by `keys` (a time column, then the id),
 * newest first by default, and how many rows match in all — in one round trip.
 */
export async function selectPage<T extends SQLiteTable>(
  db: Db,
  table: T,
  where: SQL | undefined,
  keys: [AnyColumn, AnyColumn],
  page: PageRequest,
  descending = true,
): Promise<{ rows: T["$inferSelect"][]; total: number }> {
  const { orm } = db;
  const direction = descending ? desc : asc;
  const [rows, [total]] = await db.batch([
    orm
      .select()
      .from(table as SQLiteTable)
      .where(and(where, page.after ? keysetAfter(keys, page.after, descending) : undefined))
      .orderBy(...keys.map((k) => direction(k)))
      .limit(rowCount(page.limit + 1))
      .offset(rowCount(page.offset)),
    orm
      .select({ n: count() })
      .from(table as SQLiteTable)
      .where(where),
  ]);
  return { rows: rows as T["$inferSelect"][], total: total?.n ?? 0 };
}

/** Filtered lists count at most this many matches; past it `total_exact` is false. */
export const COUNT_CAP = 1000;

/** Counts matches of `where`, but stops after COUNT_CAP + 1 so a broad filter costs no more than that. */
export const cappedCount = (db: Db, table: SQLiteTable, where: SQL | undefined) =>
  db.orm.select({ n: count() }).from(
    db.orm
      .select({ one: sql`1` })
      .from(table)
      .where(where)
      .limit(rowCount(COUNT_CAP + 1))
      .as("capped"),
  );

export const cappedTotal = (n: number) => ({ total: Math.min(n, COUNT_CAP), totalExact: n <= COUNT_CAP });

/**
 * For a write with If-Match: reads the row `where` selects (404 as `what` if there is none), checks
 * it with `expect`, and answers the condition that it is still as read (its `updated_at`), so the
 * write changes nothing another request changed in between (it then answers 412).
 */
export async function unchangedSince<T extends SQLiteTable & { updatedAt: AnyColumn }>(
  db: Db,
  table: T,
  where: SQL | undefined,
  expect: (current: InferSelectModel<T>) => void,
  what: string,
): Promise<SQL> {
  const current = await findFirst(db, table, where);
  if (!current) throw notFound(what);
  expect(current);
  return eq(table.updatedAt, (current as { updatedAt: string }).updatedAt);
}
