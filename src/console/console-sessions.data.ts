import { and, eq, gt, inArray, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Caller } from "../keys/caller";
import { apiKeys } from "../keys/keys.table";
import { randomBase62, sha256Hex } from "../lib/crypto";
import { type Db, rowCount } from "../lib/db/runner";
import { nowIso } from "../lib/ids";
import { workspaces } from "../workspaces/workspaces.table";
import { consoleSessions } from "./console-sessions.table";

/** A session ends after this long without a request (each request slides it). */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** 256 bits of base62: the cookie's token, never stored (only its hash). */
const TOKEN_CHARS = 43;
const CSRF_CHARS = 32;

export interface NewSession {
  /** Goes into the cookie; shown to nobody else, stored only as its SHA-256. */
  token: string;
  csrfToken: string;
}

/** A live session: the caller it acts as, its CSRF token, and when it was last used. */
export interface LiveSession {
  tokenHash: string;
  caller: Caller;
  csrfToken: string;
  lastSeenAt: string;
  keyLastUsedAt: string | null;
}

const idleCutoff = (now: number) => new Date(now - SESSION_IDLE_MS).toISOString();

/** Opens a session for a live key. */
export async function createSession(db: Db, keyId: string, now = nowIso()): Promise<NewSession> {
  const session = { token: randomBase62(TOKEN_CHARS), csrfToken: randomBase62(CSRF_CHARS) };
  await db.run(
    db.orm.insert(consoleSessions).values({
      tokenHash: await sha256Hex(session.token),
      keyId,
      csrfToken: session.csrfToken,
      createdAt: now,
      lastSeenAt: now,
    }),
  );
  return session;
}

/**
 * The session with this token, if it is live: not idle past the limit and its key not revoked.
 * One read, which also brings the key and its workspace as they are now.
 */
export async function findLiveSession(db: Db, token: string, now = Date.now()): Promise<LiveSession | undefined> {
  const tokenHash = await sha256Hex(token);
  const row = await db.first(
    db.orm
      .select({ session: consoleSessions, key: apiKeys, workspace: workspaces })
      .from(consoleSessions)
      .innerJoin(apiKeys, eq(apiKeys.id, consoleSessions.keyId))
      .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
      .where(and(eq(consoleSessions.tokenHash, tokenHash), gt(consoleSessions.lastSeenAt, idleCutoff(now)), isNull(apiKeys.revokedAt)))
      .limit(rowCount(1)),
  );
  if (!row) return undefined;
  const { id, name, prefix, permissions } = row.key;
  return {
    tokenHash,
    caller: { workspace: row.workspace, apiKey: { id, name, prefix, permissions } },
    csrfToken: row.session.csrfToken,
    lastSeenAt: row.session.lastSeenAt,
    keyLastUsedAt: row.key.lastUsedAt,
  };
}

/** Slides a session's idle limit (and its key's `last_used_at`) to `at`. */
export async function touchSession(db: Db, session: Pick<LiveSession, "tokenHash" | "caller">, at: string) {
  await db.batch([
    db.orm.update(consoleSessions).set({ lastSeenAt: at }).where(eq(consoleSessions.tokenHash, session.tokenHash)),
    db.orm
      .update(apiKeys)
      .set({ lastUsedAt: at })
      .where(and(eq(apiKeys.id, session.caller.apiKey.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, at)))),
  ]);
}

/** Signs a session out; nothing happens for a token that has none. */
export async function deleteSession(db: Db, token: string) {
  await db.run(db.orm.delete(consoleSessions).where(eq(consoleSessions.tokenHash, await sha256Hex(token))));
}

/** Forgets sessions that have ended: idle past the limit, or whose key was revoked. */
export async function purgeEndedSessions(db: Db, now = Date.now()) {
  const revokedKeys = db.orm.select({ id: apiKeys.id }).from(apiKeys).where(isNotNull(apiKeys.revokedAt));
  await db.run(
    db.orm.delete(consoleSessions).where(or(lt(consoleSessions.lastSeenAt, idleCutoff(now)), inArray(consoleSessions.keyId, revokedKeys))),
  );
}
