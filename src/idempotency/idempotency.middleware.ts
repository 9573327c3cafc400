import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../keys/app-env";
import { sha256Hex } from "../lib/crypto";
import { ApiError, validationError } from "../lib/errors";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "./idempotency.data";

const MAX_KEY_LENGTH = 255;
/** Headers of the first answer that a replay repeats. */
const REPLAYED_HEADERS = ["content-type", "etag", "location"];

/**
 * `Idempotency-Key` on POST: the first completed answer (any status but 5xx and 429) is stored
 * for 24 hours per workspace and key and replayed for the same method, path and body.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async function idempotency(c, next) {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw validationError([{ field: "Idempotency-Key", message: `must be 1 to ${MAX_KEY_LENGTH} characters` }]);
    }
    const workspaceId = c.var.caller.workspace.id;
    // The raw bytes as sent (the validator later reads the same cached text).
    const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const existing = await claimIdempotencyKey(c.var.db, workspaceId, key, requestHash);
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new ApiError("idempotency_mismatch", "Idempotency-Key was already used with a different request");
      }
      if (existing.status === null) {
        throw new ApiError("idempotency_in_flight", "A request with this Idempotency-Key is still being processed", {
          headers: { "Retry-After": "1" },
        });
      }
      return new Response(existing.responseBody, {
        status: existing.status,
        headers: { ...existing.responseHeaders, "Idempotent-Replayed": "true", "x-request-id": c.var.requestId },
      });
    }
    await next();
    const { status } = c.res;
    if (status >= 500 || status === 429) {
      await releaseIdempotencyKey(c.var.db, workspaceId, key);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = c.res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    await completeIdempotencyKey(c.var.db, workspaceId, key, { status, body: await c.res.clone().text(), headers });
  };
}
