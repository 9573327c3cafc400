import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "./errors";

const hex32 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");

/**
 * A 64-bit fingerprint of `text` (two independently mixed 32-bit lanes over its UTF-16 units).
 * An ETag only has to change when the representation does; a cryptographic digest would cost an
 * asynchronous call and a hex encoding on every single-resource answer.
 */
function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  return hex32(a) + hex32(b);
}

/** A strong ETag over the exact JSON text of a representation. */
const etagOfJson = (json: string) => `"${fingerprint(json)}"`;

/** A strong ETag over the exact JSON representation. */
export const etagOf = (body: unknown): string => etagOfJson(JSON.stringify(body));

/** Entity tags listed in an If-Match / If-None-Match header, `W/` prefixes ignored (proxies add them). */
function listedTags(header: string): string[] {
  return header
    .split(",")
    .map((t) => t.trim().replace(/^W\//, ""))
    .filter(Boolean);
}

const matches = (header: string, etag: string) => {
  const tags = listedTags(header);
  return tags.includes("*") || tags.includes(etag);
};

/**
 * The If-Match check for a write, given the current representation as JSON text; undefined when
 * the request has no If-Match.
 */
export function ifMatch(c: Context): ((currentJson: string) => void) | undefined {
  const header = c.req.header("if-match");
  if (header === undefined) return undefined;
  return (currentJson) => {
    if (!matches(header, etagOfJson(currentJson))) throw preconditionFailed();
  };
}

export const preconditionFailed = () =>
  new ApiError("precondition_failed", "If-Match does not match the current ETag; fetch the resource again");

/** A check of the row a write starts from: If-Match against its representation. */
export type Precondition<Row> = (current: Row) => void;

/** `ifMatch` for a resource whose representation the Worker builds from its row (`represent`). */
export function ifMatchRow<Row>(c: Context, represent: (row: Row) => unknown): Precondition<Row> | undefined {
  const check = ifMatch(c);
  return check && ((current) => check(JSON.stringify(represent(current))));
}

/** Answers a single-resource GET with its ETag, or 304 when If-None-Match already has it. */
export function jsonWithEtag<T extends object, S extends 200 | 201 = 200>(c: Context, body: T, status: S = 200 as S) {
  return jsonTextWithEtag<T, S>(c, JSON.stringify(body), status);
}

/** `jsonWithEtag` for a representation that is JSON text already (built by SQLite); typed as `T`'s answer. */
export function jsonTextWithEtag<T, S extends 200 | 201 = 200>(c: Context, json: string, status: S = 200 as S) {
  const etag = etagOfJson(json);
  const inm = c.req.header("if-none-match");
  type Answer = ReturnType<typeof c.json<T, S>>;
  if (c.req.method === "GET" && inm !== undefined && matches(inm, etag)) {
    // 304 carries no body.
    return c.body(null, 304, { ETag: etag }) as unknown as Answer;
  }
  return jsonText<T, S>(c, json, status, { ETag: etag });
}

/** Sends JSON text that is already serialised, typed as the `c.json` answer it stands for. */
export function jsonText<T, S extends ContentfulStatusCode>(c: Context, json: string, status: S, headers: Record<string, string> = {}) {
  return c.body(json, status, { ...headers, "Content-Type": "application/json" }) as unknown as ReturnType<typeof c.json<T, S>>;
}
