import type { InferSelectModel, SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Drizzle over a D1 binding. Without a relational schema, so that making one per request costs
 * next to nothing (the relational config would be rebuilt for every instance).
 */
export const createDb = (d1: D1Database) => drizzle(d1);

const shared = new WeakMap<D1Database, Database>();

/** One Drizzle instance per D1 binding for the isolate's life (it holds no per-request state). */
export function dbFor(d1: D1Database): Database {
  let db = shared.get(d1);
  if (!db) shared.set(d1, (db = createDb(d1)));
  return db;
}

export type Database = ReturnType<typeof createDb>;

/** The first row of `table` that matches `where`, if any. */
export async function findFirst<T extends SQLiteTable>(db: Database, table: T, where: SQL | undefined): Promise<InferSelectModel<T> | undefined> {
  const [row] = await db.select().from(table as SQLiteTable).where(where).limit(1);
  return row as InferSelectModel<T> | undefined;
}
