import type { Context, MiddlewareHandler } from "hono";
import { BoundedCache } from "../lib/bounded-cache";
import { sha256Hex } from "../lib/crypto";
import { dbFor } from "../lib/db/client";
import { ApiError } from "../lib/errors";
import type { Workspace } from "../workspaces/workspaces.table";
import type { AppEnv } from "./app-env";
import type { Caller, Permission } from "./caller";
import { invalidKey, KeyProof, missingKey } from "./key-proof";
import { findCallerByKeyHash, touchApiKey } from "./keys.data";

/** How stale `last_used_at` may get before a request refreshes it (one write a minute, not per request). */
const LAST_USED_PRECISION_MS = 60_000;
/** Keys this isolate remembers; the oldest is forgotten first. */
const CACHED_KEYS = 1_000;

interface CachedKey {
  caller: Caller;
  lastUsedAt: string | null;
}

/**
 * Keys seen by this isolate. What a key grants never changes (a key is only ever revoked), so a
 * cached key is safe to use as long as each request proves it is still live — which its
 * `KeyProof` does inside the request's first D1 round trip. Held by the key itself, which
 * the isolate has in hand with every request anyway, so a cached key is not even hashed again.
 */
const keyCache = new BoundedCache<string, CachedKey>(CACHED_KEYS);

function readKey(headers: Headers): string | undefined {
  const key = headers.get("x-api-key")?.trim();
  if (key) return key;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1];
}

/**
 * The key's caller, read in the request's session; a key that session does not know is looked up
 * again on the primary (the bare binding), since a replica may not have a key made a moment ago yet.
 */
async function findCallerByKey(c: Context<AppEnv>, keyHash: string) {
  return (await findCallerByKeyHash(c.var.db, keyHash)) ?? (await findCallerByKeyHash(dbFor(c.env.DB), keyHash));
}

/**
 * Resolves the caller from `x-api-key` or `Authorization: Bearer`. A key this isolate has seen
 * costs no round trip of its own; a revoked key answers 401 at once either way.
 */
export function apiKeyAuth(): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    const key = readKey(c.req.raw.headers);
    // Without a key, the console's session cookie may have named the caller (console/console-session.ts).
    if (!key && c.get("caller")) return next();
    if (!key) throw missingKey();
    if (!key.startsWith("cbx_")) throw invalidKey();
    let entry = keyCache.get(key);
    let proof: KeyProof | undefined;
    if (entry) {
      const caller: Caller = { ...entry.caller };
      const cached = entry;
      proof = new KeyProof(caller.apiKey.id, (workspace) => {
        caller.workspace = workspace;
        cached.caller = { ...cached.caller, workspace };
      });
      c.set("db", c.var.db.carrying(proof));
      c.set("keyProof", proof);
      c.set("caller", caller);
    } else {
      entry = await findCallerByKey(c, await sha256Hex(key));
      if (!entry) throw invalidKey();
      keyCache.set(key, entry);
      c.set("caller", { ...entry.caller });
    }

    const now = Date.now();
    if (!entry.lastUsedAt || now - Date.parse(entry.lastUsedAt) > LAST_USED_PRECISION_MS) {
      entry.lastUsedAt = new Date(now).toISOString();
      c.executionCtx.waitUntil(touchApiKey(dbFor(c.env.DB), entry.caller.apiKey.id, entry.lastUsedAt));
    }

    await next();
    // A request that never reached D1 (a validation error, an MCP handshake) proves its key now;
    // one whose proof failed answers 401 whatever its handler made of the error.
    if (proof && !proof.revoked)
      await c.var.db.settleFirstTrip().catch((error: unknown) => {
        if (!proof.revoked) throw error;
      });
    if (proof?.revoked) {
      keyCache.delete(key);
      throw invalidKey();
    }
  };
}

/**
 * The caller's workspace as it is now (counts and plan change under a cached key). A cached key's
 * proof reads that row anyway; an uncached key's lookup read it at the start of this request.
 */
export async function currentWorkspace(c: Context<AppEnv>): Promise<Workspace> {
  await c.var.db.settleFirstTrip();
  return c.var.caller.workspace;
}

/**
 * Refuses with 403 unless the caller's key holds `permission`. The middleware carries the
 * permission it checks, so the route table says which routes need which permission.
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> & { permission: Permission } {
  return Object.assign(
    async function requirePermission(c: Context<AppEnv>, next: () => Promise<void>) {
      if (!c.var.caller.apiKey.permissions.includes(permission)) {
        throw new ApiError("forbidden", `${permission} permission required`);
      }
      await next();
    },
    { permission },
  );
}
