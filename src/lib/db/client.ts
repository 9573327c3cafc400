import type { InferSelectModel, SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { rowCount } from "./rows";

/** Statements differ by their filters' shape, not their values: a few hundred texts at most. */
const REWRITTEN_KEPT = 500;
const rewritten = new Map<string, string>();

/** A quoted string or name (left as it is), or a parameter with or without a `+` before it. */
const PARAMETER = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\+?\?\d*/g;

/**
 * `sql` with every parameter written `+?`. SQLite's planner peeks at a bare bound parameter
 * (`col = ?` while weighing a plan that does not use col's index), marking the statement to be
 * prepared again when that parameter is rebound; D1 clears a statement's bindings after every run,
 * so such a statement is prepared anew each time (a tenth of a search's CPU). The planner does not
 * look through a unary plus, which changes no value and no affinity (a parameter has none), and
 * `col = +?` uses col's index as `col = ?` does.
 */
export function withStablePlan(sql: string): string {
  let written = rewritten.get(sql);
  if (written === undefined) {
    written = sql.replace(PARAMETER, (token) => (token[0] === "?" ? `+${token}` : token));
    if (rewritten.size >= REWRITTEN_KEPT) rewritten.clear();
    rewritten.set(sql, written);
  }
  return written;
}

const stable = new WeakSet<D1Database>();

/** `d1` preparing every statement `withStablePlan` (idempotent: a wrapped binding is returned as is). */
export function stablePlans(d1: D1Database): D1Database {
  if (stable.has(d1)) return d1;
  const wrapped: D1Database = {
    prepare: (sql) => d1.prepare(withStablePlan(sql)),
    batch: (statements) => d1.batch(statements),
    exec: (sql) => d1.exec(sql),
    withSession: (constraint) => d1.withSession(constraint),
    dump: () => d1.dump(),
  };
  stable.add(wrapped);
  return wrapped;
}

/**
 * Drizzle over a D1 binding. Without a relational schema, so that making one per request costs
 * next to nothing (the relational config would be rebuilt for every instance).
 */
export const createDb = (d1: D1Database) => drizzle(stablePlans(d1));

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
  const [row] = await db.select().from(table as SQLiteTable).where(where).limit(rowCount(1));
  return row as InferSelectModel<T> | undefined;
}
