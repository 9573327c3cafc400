import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

const allowedOrigins = (configured: string | undefined) =>
  (configured ?? "")
    .split(",")
    .map((o) => o.trim().replace(/\/+$/, ""))
    .filter(Boolean);

/**
 * CORS for `/v1` (and its `/api/v1` mirror) for the origins listed in CORS_ORIGINS ("*" for any).
 * A request without `Origin` is not a browser's cross-origin request: it gets no CORS headers,
 * only `Vary: Origin` (the answer to the same URL differs for one that has it).
 */
export function apiCors(): MiddlewareHandler<{ Bindings: Env }> {
  const handler = cors({
    origin: (origin, c) => {
      const allowed = allowedOrigins(c.env.CORS_ORIGINS);
      return allowed.includes("*") || allowed.includes(origin) ? origin : null;
    },
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: [
      "x-api-key",
      "authorization",
      "content-type",
      "idempotency-key",
      "if-match",
      "if-none-match",
      "x-request-id",
      "x-cardbox-bookmark",
    ],
    exposeHeaders: [
      "etag",
      "x-request-id",
      "idempotent-replayed",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
      "retry-after",
      "allow",
      "www-authenticate",
      "x-cardbox-bookmark",
    ],
    maxAge: 600,
  });
  return async function apiCors(c, next) {
    if (c.req.raw.headers.has("origin")) return handler(c, next);
    await next();
    c.header("Vary", "Origin", { append: true });
  };
}
