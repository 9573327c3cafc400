import type { InferSelectModel, SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Drizzle over a D1 binding. Without a relational schema, so that making one per request costs
 * next to nothing (the relational config would be rebuilt for every instance).
 */
export const createDb = (d1: D1Database) => drizzle(d1);

export type Database = ReturnType<typeof createDb>;

/** The first row of `table` that matches `where`, if any. */
export async function findFirst<T extends SQLiteTable>(db: Database, table: T, where: SQL | undefined): Promise<InferSelectModel<T> | undefined> {
  const [row] = await db.select().from(table as SQLiteTable).where(where).limit(1);
  return row as InferSelectModel<T> | undefined;
}
