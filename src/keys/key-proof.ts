import { getTableColumns, sql } from "drizzle-orm";
import { causedBy, type Db, type FirstTrip, slot } from "../lib/db/runner";
import { ApiError } from "../lib/errors";
import { type Workspace, workspaces } from "../workspaces/workspaces.table";

/** The workspace row under drizzle's property names, so it reads back as a `Workspace`. */
const WORKSPACE_COLUMNS = sql.raw(
  Object.entries(getTableColumns(workspaces))
    .map(([property, column]) => `w."${column.name}" AS "${property}"`)
    .join(", "),
);
/** What the guard view's trigger raises when the key is revoked or gone (see migrations/0001). */
const REVOKED = "api_key_revoked";

/**
 * A refused API key: 401 with the challenge MCP clients (and any OAuth 2.0 client) read, RFC 6750's
 * `Bearer realm`, with `error="invalid_token"` when a key was sent but is unknown or revoked.
 */
export const keyRefused = (message: string, error?: "invalid_token") =>
  new ApiError("unauthorized", message, {
    headers: { "WWW-Authenticate": `Bearer realm="cardbox"${error ? `, error="${error}"` : ""}` },
  });

export const missingKey = () => keyRefused("Missing API key");
export const invalidKey = () => keyRefused("Invalid API key", "invalid_token");

/**
 * The proof that a key taken from the isolate's key cache is still live, carried by the request's
 * first round trip (a `FirstTrip` of the query runner), so a revoked key answers 401 from the
 * moment it is revoked and a cached key costs no round trip of its own:
 * - every first trip also reads the key's workspace (nothing when the key is revoked) — the
 *   current row, counts and plan included, handed to `onWorkspace`;
 * - a first trip that writes also inserts into `api_key_guard`, whose trigger aborts the whole
 *   batch when the key is revoked, so nothing it would have written is kept.
 */
export class KeyProof implements FirstTrip {
  /** Set once the key is known to be revoked; the request then answers 401 whatever else happened. */
  revoked = false;

  constructor(
    readonly keyId: string,
    private readonly onWorkspace: (workspace: Workspace) => void,
  ) {}

  statements(db: Db, writes: boolean) {
    const key = { key: this.keyId };
    const live = db.shaped<Workspace>(
      "key-proof:live",
      () =>
        sql`SELECT ${WORKSPACE_COLUMNS} FROM workspaces w JOIN api_keys k ON k.workspace_id = w.id WHERE k.id = ${slot("key")} AND k.revoked_at IS NULL`,
      key,
    );
    return writes
      ? [db.shaped("key-proof:guard", () => sql`INSERT INTO api_key_guard (key_id) VALUES (${slot("key")})`, key), live]
      : [live];
  }

  check(results: readonly unknown[]) {
    const [workspace] = results.at(-1) as Workspace[];
    if (!workspace) this.refuse();
    this.onWorkspace(workspace);
  }

  failed(error: unknown) {
    if (causedBy(error, REVOKED)) this.refuse();
  }

  /** Settles the proof from a liveness another trip read (the workspace row is not refreshed then). */
  settle(live: boolean) {
    if (!live) this.refuse();
  }

  private refuse(): never {
    this.revoked = true;
    throw invalidKey();
  }
}
