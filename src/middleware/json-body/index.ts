import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../../lib/errors";

export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", "Request body must be at most 1 MiB");
  },
});

/**
 * Guards every request body before validation: over 1 MiB → 413, a body that is not JSON → 415.
 * Malformed JSON is caught by the validator (400 `bad_request`).
 */
export function jsonBody(): MiddlewareHandler {
  return async function jsonBody(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
    const type = c.req.header("content-type");
    const length = c.req.header("content-length");
    const hasBody = type !== undefined || (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !JSON_TYPE.test(type ?? "")) {
      throw new ApiError("unsupported_media_type", "Content-Type must be application/json");
    }
    return limit(c, next);
  };
}
