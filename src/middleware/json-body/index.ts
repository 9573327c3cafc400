import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError, validationError } from "../../lib/errors";

export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

const limit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", "Request body must be at most 1 MiB");
  },
});

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A URL whose percent-encoded bytes are not UTF-8 (`%FF`) would be read as something else. */
function urlIsUtf8(url: string): boolean {
  if (!url.includes("%")) return true;
  try {
    decodeURIComponent(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the body once and refuses one that is not UTF-8 (rather than let the decoder turn it into
 * U+FFFD); later readers (the validator, the idempotency hash, the MCP transport) get the same text.
 */
async function readStrictly(c: Context) {
  const bytes = await c.req.raw.arrayBuffer();
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ApiError("bad_request", "Request body is not valid UTF-8");
  }
  c.req.raw = new Request(c.req.raw, { body: bytes });
  // Hono keeps the promise of each body reading here (its types say the value).
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
}

/**
 * Guards every request before routing: a URL that is not UTF-8 → 400; a body over 1 MiB → 413, not
 * JSON → 415, not UTF-8 → 400. Malformed JSON is caught by the validator (400 `bad_request`).
 * `uploads`: the paths that take a file instead, whose bodies a guard of their own checks;
 * requests `formPosts` names (HTML forms) are left to their route, after the URL check.
 */
export function jsonBody(options: { uploads?: readonly string[]; formPosts?: (c: Context) => boolean } = {}): MiddlewareHandler {
  const uploads = new Set(options.uploads);
  return async function jsonBody(c, next) {
    if (!urlIsUtf8(c.req.url)) throw new ApiError("bad_request", "The URL is not valid UTF-8");
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS" || uploads.has(c.req.path)) return next();
    if (options.formPosts?.(c)) return next();
    const type = c.req.header("content-type");
    const length = c.req.header("content-length");
    const hasBody = type !== undefined || (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !JSON_TYPE.test(type ?? "")) {
      throw new ApiError("unsupported_media_type", "Content-Type must be application/json");
    }
    if (!hasBody) return next();
    return limit(c, async () => {
      await readStrictly(c);
      await next();
    });
  };
}

/**
 * For an operation that takes no body (a DELETE, a rotation, a mint): a body that says anything is
 * refused as a strict empty object would be, so nothing a client sends is ignored unawares (a key
 * minted with `permissions` it did not get). No body, a blank one and `{}` pass. Runs after the
 * route's permission check, where a body's validator would.
 */
export function noBody(): MiddlewareHandler {
  return async function noBody(c, next) {
    const text = c.req.header("content-type") === undefined ? "" : (await c.req.text()).trim();
    if (text !== "") {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError("bad_request", "Malformed JSON in request body");
      }
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw validationError([{ field: "body", message: "must be an object" }]);
      }
      const fields = Object.keys(body);
      if (fields.length > 0) throw validationError(fields.map((field) => ({ field, message: "is not a known field" })));
    }
    await next();
  };
}
