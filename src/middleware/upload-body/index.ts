import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../../lib/errors";

export interface UploadBodyOptions {
  /** The largest body taken (413 beyond). */
  maxBytes: number;
  /** Whether a request's Content-Type (undefined when it sent none) is one the route reads. */
  accepts: (contentType: string | undefined) => boolean;
  /** The 415 message, naming what is accepted. */
  unsupported: string;
}

const mebibytes = (bytes: number) => `${bytes / (1024 * 1024)} MiB`;

/**
 * The body guard of a route that takes a file rather than JSON: a type it does not read → 415, a
 * body over `maxBytes` → 413, before the API key is looked at (as for JSON bodies). The bytes are
 * read once and kept as they came, so later readers (the idempotency hash, the handler) see the
 * same bytes, whatever their encoding.
 */
export function uploadBody(options: UploadBodyOptions): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: options.maxBytes,
    onError: () => {
      throw new ApiError("payload_too_large", `Request body must be at most ${mebibytes(options.maxBytes)}`);
    },
  });
  return async function uploadBody(c, next) {
    if (c.req.method !== "POST") return next();
    if (!options.accepts(c.req.header("content-type"))) throw new ApiError("unsupported_media_type", options.unsupported);
    return limit(c, async () => {
      const bytes = await c.req.raw.arrayBuffer();
      // Hono keeps the promise of each body reading here (its types say the value).
      (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(bytes);
      await next();
    });
  };
}
