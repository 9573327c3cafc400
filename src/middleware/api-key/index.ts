import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../lib/errors";
import type { AppEnv, Permission } from "../../lib/types";
import { findCallerByKey, touchApiKey } from "../../db/api-keys";

/** How stale `last_used_at` may get before a request refreshes it (one write a minute, not per request). */
const LAST_USED_PRECISION_MS = 60_000;

function readKey(headers: Headers): string | undefined {
  const key = headers.get("x-api-key")?.trim();
  if (key) return key;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return match?.[1];
}

/**
 * Resolves the caller from `x-api-key` or `Authorization: Bearer`. Every request looks the key up
 * again, so a revoked key stops working at once.
 */
export function apiKeyAuth(): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuth(c, next) {
    const key = readKey(c.req.raw.headers);
    if (!key) throw new ApiError("unauthorized", "Missing API key");
    const found = key.startsWith("cbx_") ? await findCallerByKey(c.var.db, key) : undefined;
    if (!found) throw new ApiError("unauthorized", "Invalid API key");
    const { caller, lastUsedAt } = found;
    c.set("caller", caller);
    const now = Date.now();
    if (!lastUsedAt || now - Date.parse(lastUsedAt) > LAST_USED_PRECISION_MS) {
      c.executionCtx.waitUntil(touchApiKey(c.var.db, caller.apiKey.id, new Date(now).toISOString()));
    }
    await next();
  };
}

/** Refuses with 403 unless the caller's key holds `permission`. */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function requirePermission(c, next) {
    if (!c.var.caller.apiKey.permissions.includes(permission)) {
      throw new ApiError("forbidden", `${permission} permission required`);
    }
    await next();
  };
}
