import { Db } from "./runner";

const shared = new WeakMap<D1Database, Db>();

/** The runner for work that carries no caller's key proof (background jobs, uncached keys); one per binding. */
export function dbFor(d1: D1Database): Db {
  let db = shared.get(d1);
  if (!db) {
    db = new Db(d1);
    shared.set(d1, db);
  }
  return db;
}
