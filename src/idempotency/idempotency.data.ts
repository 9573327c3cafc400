import { and, eq, lt, sql } from "drizzle-orm";
import { findFirst } from "../lib/db/pages";
import type { Db } from "../lib/db/runner";
import { idempotencyKeys } from "./idempotency.table";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyRecord = typeof idempotencyKeys.$inferSelect;

/** Whose Idempotency-Key it is: the API key that sent it (in its workspace). */
export interface IdempotencyScope {
  workspaceId: string;
  apiKeyId: string;
}

const byKey = (scope: IdempotencyScope, key: string) => and(eq(idempotencyKeys.apiKeyId, scope.apiKeyId), eq(idempotencyKeys.key, key));

/**
 * Claims a key for a request in one statement: a new key, or one whose record has expired, is
 * taken (answer null); otherwise the existing record is answered.
 */
export async function claimIdempotencyKey(
  db: Db,
  scope: IdempotencyScope,
  key: string,
  requestHash: string,
  now = Date.now(),
): Promise<IdempotencyRecord | null> {
  const createdAt = new Date(now).toISOString();
  const claimed = await db.all(
    db.orm
      .insert(idempotencyKeys)
      .values({ ...scope, key, requestHash, createdAt, expiresAt: new Date(now + IDEMPOTENCY_TTL_MS).toISOString() })
      .onConflictDoUpdate({
        target: [idempotencyKeys.apiKeyId, idempotencyKeys.key],
        set: { requestHash, status: null, responseBody: null, responseHeaders: null, createdAt, expiresAt: sql`excluded.expires_at` },
        setWhere: lt(idempotencyKeys.expiresAt, createdAt),
      })
      .returning({ key: idempotencyKeys.key }),
  );
  if (claimed.length > 0) return null;
  return (await findFirst(db, idempotencyKeys, byKey(scope, key))) ?? null;
}

export async function completeIdempotencyKey(
  db: Db,
  scope: IdempotencyScope,
  key: string,
  response: { status: number; body: string; headers: Record<string, string> },
) {
  await db.run(
    db.orm
      .update(idempotencyKeys)
      .set({ status: response.status, responseBody: response.body, responseHeaders: response.headers })
      .where(byKey(scope, key)),
  );
}

/** Frees a key whose request ended in a 5xx or 429, so the client may retry with it. */
export async function releaseIdempotencyKey(db: Db, scope: IdempotencyScope, key: string) {
  await db.run(db.orm.delete(idempotencyKeys).where(byKey(scope, key)));
}

export async function purgeIdempotencyKeys(db: Db, now = Date.now()) {
  await db.run(db.orm.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, new Date(now).toISOString())));
}
