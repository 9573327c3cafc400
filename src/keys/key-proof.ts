import { getTableColumns } from "drizzle-orm";
import { ApiError } from "../lib/errors";
import { stablePlans } from "../lib/db/client";
import { causedBy } from "../lib/db/errors";
import { workspaces, type Workspace } from "../workspaces/workspaces.table";

/** The workspace row with drizzle's property names, so it reads back as a `Workspace`. */
const WORKSPACE_COLUMNS = Object.entries(getTableColumns(workspaces))
  .map(([property, column]) => `w."${column.name}" AS "${property}"`)
  .join(", ");

const LIVE_WORKSPACE_SQL = `SELECT ${WORKSPACE_COLUMNS} FROM workspaces w JOIN api_keys k ON k.workspace_id = w.id WHERE k.id = ? AND k.revoked_at IS NULL`;
/** Aborts the batch it is in when the key is revoked or gone (see migration 0007). */
const GUARD_SQL = "INSERT INTO api_key_guard (key_id) VALUES (?)";
const REVOKED = "api_key_revoked";

const isRead = (sql: string) => /^\s*select\b/i.test(sql);

export const invalidKey = () => new ApiError("unauthorized", "Invalid API key");

/**
 * D1 for a request whose API key came from the isolate's key cache. The request's first round
 * trip carries the proof that the key is still live, so a revoked key answers 401 from the moment
 * it is revoked and a cached key costs no extra round trip:
 * - a batch of reads gets one more read, the workspace of the live key (nothing if revoked);
 * - a batch with a write also gets an insert into `api_key_guard`, which aborts it if revoked.
 * The workspace row that comes back is the current one (counts, plan), handed to `onWorkspace`.
 * A single statement goes out as a batch with that proof, its result shaped as D1 would shape it
 * (raw rows by column order, as in drizzle's own batch path: selects alias clashing names).
 */
export class LiveKeyCheck {
  proven = false;
  revoked = false;
  readonly d1: D1Database;
  private readonly inner: D1Database;

  constructor(
    binding: D1Database,
    private readonly keyId: string,
    private readonly onWorkspace: (workspace: Workspace) => void,
  ) {
    const check = this;
    const inner = (this.inner = stablePlans(binding));
    this.d1 = {
      prepare: (sql: string) => new CheckedStatement(inner.prepare(sql), sql, check),
      batch: (statements: D1PreparedStatement[]) => check.batch(statements as unknown as CheckedStatement[]),
      exec: (sql: string) => inner.exec(sql),
      withSession: (constraint?: string) => inner.withSession(constraint),
      dump: () => inner.dump(),
      // The statements offer what drizzle calls (bind, all, run, first, raw without options).
    } as unknown as D1Database;
  }

  /** Takes the answer of a write that checked the key itself (a scan written by its ScanCounter). */
  settle(live: boolean) {
    if (!live) this.refuse();
    this.proven = true;
  }

  /** Proves the key live (one round trip of its own if the request has not reached D1 yet). */
  async prove(): Promise<void> {
    if (!this.proven) await this.batch([]);
  }

  /** After the handler: whether the key was, or now is, proven live. */
  async stillLive(): Promise<boolean> {
    if (this.revoked) return false;
    try {
      await this.prove();
      return true;
    } catch (error) {
      if (this.revoked) return false;
      throw error;
    }
  }

  async batch<T>(statements: CheckedStatement[]): Promise<D1Result<T>[]> {
    const plain = statements.map((s) => s.inner);
    if (this.proven) return this.inner.batch<T>(plain);
    const proof = [this.inner.prepare(LIVE_WORKSPACE_SQL).bind(this.keyId)];
    if (!statements.every((s) => isRead(s.sql))) proof.unshift(this.inner.prepare(GUARD_SQL).bind(this.keyId));
    let results: D1Result[];
    try {
      results = await this.inner.batch([...proof, ...plain]);
    } catch (error) {
      if (causedBy(error, REVOKED)) this.refuse();
      throw error;
    }
    const [workspace] = results[proof.length - 1]!.results as Workspace[];
    if (!workspace) this.refuse();
    this.proven = true;
    this.onWorkspace(workspace);
    return results.slice(proof.length) as D1Result<T>[];
  }

  private refuse(): never {
    this.revoked = true;
    throw invalidKey();
  }
}

class CheckedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly sql: string,
    private readonly check: LiveKeyCheck,
  ) {}

  bind(...values: unknown[]) {
    return new CheckedStatement(this.inner.bind(...values), this.sql, this.check);
  }

  private async once<T>(): Promise<D1Result<T>> {
    if (this.check.proven) return this.inner.all<T>();
    const [result] = await this.check.batch<T>([this]);
    return result!;
  }

  all<T>() {
    return this.check.proven ? this.inner.all<T>() : this.once<T>();
  }

  run<T>() {
    return this.check.proven ? this.inner.run<T>() : this.once<T>();
  }

  async first<T>(column?: string): Promise<T | null> {
    if (this.check.proven) return column === undefined ? this.inner.first<T>() : this.inner.first<T>(column);
    const [row] = (await this.once<Record<string, unknown>>()).results;
    if (!row) return null;
    return (column === undefined ? row : row[column]) as T;
  }

  async raw<T extends unknown[]>(): Promise<T[]> {
    if (this.check.proven) return this.inner.raw<T>();
    const rows = (await this.once<Record<string, unknown>>()).results;
    return rows.map((row) => Object.values(row) as T);
  }
}
