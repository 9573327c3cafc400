import { is, Param, Placeholder, SQL, sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { DrizzleD1Database } from "drizzle-orm/d1";
import { SQLiteD1Session } from "drizzle-orm/d1/session";
import { QueryBuilder, SQLiteAsyncDialect, SQLiteDeleteBase, SQLiteInsertBase, SQLiteUpdateBase } from "drizzle-orm/sqlite-core";
import { SQLiteRaw } from "drizzle-orm/sqlite-core/query-builders/raw";

/**
 * The query runner: the one way Cardbox runs SQL on D1. Data functions build statements with
 * Drizzle (`db.orm`, or `sql` for hand-written SQL) and run them with `db.all`, `db.first`,
 * `db.run` or `db.batch` (one round trip, atomic). Three things happen on the way, each here:
 *
 * 1. **Plans that never depend on a binding.** Every parameter is written `+?` (see
 *    `PinnedPlanDialect`).
 * 2. **Statements built once per shape** (`db.shaped`): a list page's statements cost Drizzle
 *    about as much to build as SQLite to run, and differ between requests only in their values.
 * 3. **A first round trip that carries more** (`FirstTrip`): a request authenticated from the
 *    isolate's key cache proves that its key is still live inside its first round trip, whatever
 *    that is, instead of spending one of its own (see keys/key-proof.ts).
 */

/** A statement Drizzle can run: a query builder, or `orm.all(sql…)` / `orm.run(sql…)`. */
export type Query = BatchItem<"sqlite">;
type Queries = readonly [Query, ...Query[]];

/**
 * SQLite's planner peeks at a bare bound parameter (`col = ?` while weighing a plan that does not
 * use col's index) and marks the statement to be prepared again when it is rebound; D1 clears a
 * statement's bindings after every run, so such a statement would be prepared anew every time (a
 * tenth of a search's CPU). The planner does not look through a unary plus, which changes no value
 * and no affinity (a parameter has none), and `col = +?` uses col's index as `col = ?` does.
 */
class PinnedPlanDialect extends SQLiteAsyncDialect {
  override escapeParam(): string {
    return "+?";
  }
}

const DIALECT = new PinnedPlanDialect();

/** Builds selects without a database, in the runner's dialect (the planner's statements). */
export const queryBuilder = new QueryBuilder(DIALECT);

/**
 * What the runner runs SQL on: the D1 binding itself, or one request's session of it (the Sessions
 * API, which may read from a replica), which prepares and batches statements the same way.
 */
export type D1 = D1Database | D1DatabaseSession;

/** Drizzle over a D1 binding or session, without a relational schema (so it costs next to nothing to make). */
function createOrm(d1: D1) {
  // Drizzle only prepares and batches statements, which a session does as the binding does.
  const session = new SQLiteD1Session(d1 as D1Database, DIALECT, undefined);
  return new DrizzleD1Database("async", DIALECT, session, undefined);
}

export type Orm = ReturnType<typeof createOrm>;

const orms = new WeakMap<D1, Orm>();

/**
 * Runs Drizzle queries as one D1 batch and maps each result as Drizzle would, as Drizzle's own
 * `batch` does — which cannot run a hand-written statement that has parameters (`orm.all(sql…)`
 * has no prepared statement of its own to bind).
 */
async function runBatch(d1: D1, queries: readonly Query[]): Promise<unknown[]> {
  type Prepared = {
    stmt?: D1PreparedStatement;
    getQuery(): { sql: string; params: unknown[] };
    mapResult(result: unknown, isFromBatch?: boolean): unknown;
  };
  const prepared = queries.map((query) => (query as unknown as { _prepare(): Prepared })._prepare());
  const statements = prepared.map((p) => {
    const { sql: text, params } = p.getQuery();
    return (p.stmt ?? d1.prepare(text)).bind(...params);
  });
  const results = await d1.batch(statements);
  return results.map((result, i) => prepared[i]!.mapResult(result, true));
}

/** One Drizzle instance per D1 binding (or session) for its life (it holds no per-request state). */
function ormFor(d1: D1): Orm {
  let orm = orms.get(d1);
  if (!orm) {
    orm = createOrm(d1);
    orms.set(d1, orm);
  }
  return orm;
}

/**
 * Statements a request's first round trip carries ahead of its own, and what to make of their
 * answers. `statements` is told whether the trip writes (a proof that must abort a write has to be
 * a write itself). `check` sees their results; `failed` sees the trip's error before it is thrown.
 */
export interface FirstTrip {
  statements(db: Db, writes: boolean): Query[];
  check(results: readonly unknown[]): void;
  failed?(error: unknown): void;
}

/** Whether running `query` may change a row. */
function writes(query: Query): boolean {
  if (query instanceof Shaped) return !query.reads;
  if (is(query, SQLiteInsertBase) || is(query, SQLiteUpdateBase) || is(query, SQLiteDeleteBase)) return true;
  return is(query, SQLiteRaw) && !/^\s*select\b/i.test(query.getQuery().sql);
}

export class Db {
  readonly orm: Orm;
  private firstTrip: FirstTrip | undefined;

  /** `firstTrip`: what the first round trip must carry (nothing once it has gone). */
  constructor(
    private readonly d1: D1,
    firstTrip?: FirstTrip,
  ) {
    this.orm = ormFor(d1);
    this.firstTrip = firstTrip;
  }

  /** A runner on the same binding or session whose first round trip carries `firstTrip`. */
  carrying(firstTrip: FirstTrip): Db {
    return new Db(this.d1, firstTrip);
  }

  /** Whether the first round trip still has its extra statements to carry. */
  get firstTripPending(): boolean {
    return this.firstTrip !== undefined;
  }

  /** Drops the first trip's extra statements: something else carried them (see scans' checked record). */
  skipFirstTrip(): void {
    this.firstTrip = undefined;
  }

  /** Runs `queries` in one round trip, atomically (D1 runs a batch as one transaction). */
  async batch<T extends Queries>(queries: T): Promise<BatchResponse<T>> {
    const first = this.firstTrip;
    if (!first) return (await runBatch(this.d1, queries)) as BatchResponse<T>;
    this.firstTrip = undefined;
    const extra = first.statements(this, queries.some(writes));
    let results: readonly unknown[];
    try {
      results = await runBatch(this.d1, [...extra, ...queries]);
    } catch (error) {
      first.failed?.(error);
      throw error;
    }
    first.check(results.slice(0, extra.length));
    return results.slice(extra.length) as BatchResponse<T>;
  }

  /** Runs the first trip's extra statements on their own, if no query has carried them yet. */
  async settleFirstTrip(): Promise<void> {
    const first = this.firstTrip;
    if (!first) return;
    this.firstTrip = undefined;
    const extra = first.statements(this, false);
    let results: readonly unknown[];
    try {
      results = extra.length === 0 ? [] : await runBatch(this.d1, extra);
    } catch (error) {
      first.failed?.(error);
      throw error;
    }
    first.check(results);
  }

  /** The result of one statement: rows for a select, or what `.returning()` / `orm.all` gives. */
  async all<R>(query: Query & PromiseLike<R>): Promise<R> {
    if (!this.firstTrip) return await query;
    const [result] = await this.batch([query]);
    return result as R;
  }

  /** The first row of a statement that answers rows, if any. */
  async first<Row>(query: Query & PromiseLike<Row[]>): Promise<Row | undefined> {
    const rows = await this.all(query);
    return rows[0];
  }

  /** Runs a statement for its effect. */
  async run(query: Query): Promise<void> {
    await this.all(query as Query & PromiseLike<unknown>);
  }

  /**
   * A statement built once per `shape` and filled in with `values`: `build` must name each value
   * with a `slot` and take nothing else from the request, since its text is kept for every request
   * of that shape. A value built in (any parameter that is not a slot) is refused the first time
   * the shape is built; a slot without a value throws. Columns' encodings (JSON) still apply.
   */
  shaped<Row = Record<string, unknown>>(shape: string, build: () => Buildable | SQL, values: Record<string, unknown>): Shaped<Row> {
    const kept = keptShape(shape, build);
    const params = kept.sources.map(({ name, encode }) => {
      if (!(name in values)) throw new Error(`Statement shape "${shape}": no value for slot "${name}"`);
      return encode ? encode(values[name]) : values[name];
    });
    return new Shaped<Row>(this.d1, kept.sql, params, kept.reads);
  }
}

/** Anything Drizzle can turn into SQL text and parameters. */
export type Buildable = { toSQL(): { sql: string; params: unknown[] } };

/** A named value a shaped statement's `build` puts where a request's value goes. */
export const slot = (name: string) => sql.placeholder(name);

/** Where each parameter of a shape's statement comes from: a slot's name, and the column encoding its value takes. */
type Source = { name: string; encode?: (value: unknown) => unknown };

/** Statement texts by shape; a shape is a handful of names and numbers, so few are ever made. */
const SHAPES_KEPT = 500;
const shapes = new Map<string, { sql: string; sources: Source[]; reads: boolean }>();

function sourcesOf(shape: string, params: unknown[]): Source[] {
  return params.map((p, i) => {
    if (is(p, Placeholder)) return { name: p.name };
    if (is(p, Param) && is(p.value, Placeholder)) return { name: p.value.name, encode: (value) => p.encoder.mapToDriverValue(value) };
    throw new Error(`Statement shape "${shape}": parameter ${i + 1} is a value, not a slot`);
  });
}

/** The statement kept for `shape`, built now if it is new. */
function keptShape(shape: string, build: () => Buildable | SQL) {
  let kept = shapes.get(shape);
  if (!kept) {
    const statement = build();
    const built = is(statement, SQL) ? DIALECT.sqlToQuery(statement) : statement.toSQL();
    kept = { sql: built.sql, sources: sourcesOf(shape, built.params), reads: /^\s*select\b/i.test(built.sql) };
    if (shapes.size >= SHAPES_KEPT) shapes.clear();
    shapes.set(shape, kept);
  }
  return kept;
}

/**
 * A kept statement with one request's parameters: run by the runner like a Drizzle query (in a
 * batch, or awaited), its rows as D1 returns them (objects keyed by the selected names).
 */
export class Shaped<Row> implements PromiseLike<Row[]> {
  declare readonly _: { readonly dialect: "sqlite"; readonly result: Row[] };

  constructor(
    private readonly d1: D1,
    readonly sql: string,
    readonly params: unknown[],
    readonly reads: boolean,
  ) {}

  /** What the runner's batch asks of a query (as of Drizzle's). */
  _prepare() {
    return { getQuery: () => ({ sql: this.sql, params: this.params }), mapResult: (result: D1Result<Row>) => result.results };
  }

  // biome-ignore lint/suspicious/noThenProperty: awaited like a Drizzle query, which is a promise-like too.
  then<A = Row[], B = never>(
    onFulfilled?: ((rows: Row[]) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ) {
    return this.d1
      .prepare(this.sql)
      .bind(...this.params)
      .all<Row>()
      .then((result) => result.results)
      .then(onFulfilled, onRejected);
  }
}

/**
 * A LIMIT or OFFSET written into the statement's text instead of bound as a parameter. SQLite
 * looks at a bound LIMIT while planning, so it must prepare such a statement again every time it
 * runs; written as text, SQLite still plans for the number (which `+?` would hide from it) and
 * each page size is one statement that D1 keeps prepared. Typed as a number for Drizzle's
 * `.limit()` and `.offset()`, which embed it as is.
 */
export function rowCount(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Not a row count: ${n}`);
  return sql.raw(String(n)) as unknown as number;
}

/** Whether a D1 error (or anything in its `cause` chain, as drizzle wraps them) mentions `needle`. */
export function causedBy(error: unknown, needle: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(needle)) return true;
  }
  return false;
}

export const UNIQUE_VIOLATION = "UNIQUE constraint failed";
