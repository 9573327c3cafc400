import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../keys/app-env";
import { sha256Hex } from "../lib/crypto";
import { ApiError, validationError } from "../lib/errors";
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from "./idempotency.data";

const MAX_KEY_LENGTH = 255;
/** Headers of the first answer that a replay repeats. */
const REPLAYED_HEADERS = ["content-type", "etag", "location"];

/** The answer as it is kept: every field in `withhold` (a secret shown once) replaced by null. */
function keptBody(text: string, withhold: readonly string[]) {
  if (withhold.length === 0) return text;
  const body = JSON.parse(text) as Record<string, unknown>;
  for (const field of withhold) if (Object.hasOwn(body, field)) body[field] = null;
  return JSON.stringify(body);
}

/**
 * `Idempotency-Key` on a POST: the first completed answer (any status but 5xx and 429) is kept for
 * 24 hours for the API key that sent it, and replayed to that key for the same method, path and
 * body. It runs after authentication and the route's permission check (it is part of the route),
 * so a replay never answers a key that could not have made the request. `withhold` names the
 * answer's fields that carry a secret: they are never stored, and a replay carries null.
 */
export function idempotency(options: { withhold?: readonly string[] } = {}): MiddlewareHandler<AppEnv> {
  const withhold = options.withhold ?? [];
  return async function idempotency(c, next) {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw validationError([{ field: "Idempotency-Key", message: `must be 1 to ${MAX_KEY_LENGTH} characters` }]);
    }
    const scope = { workspaceId: c.var.caller.workspace.id, apiKeyId: c.var.caller.apiKey.id };
    // The raw bytes as sent (the validator later reads the same cached text).
    const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const existing = await claimIdempotencyKey(c.var.db, scope, key, requestHash);
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
      await releaseIdempotencyKey(c.var.db, scope, key);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = c.res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const body = await c.res.clone().text();
    await completeIdempotencyKey(c.var.db, scope, key, { status, body: status < 300 ? keptBody(body, withhold) : body, headers });
  };
}
