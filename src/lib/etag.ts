import type { Context } from "hono";
import { sha256Hex } from "./crypto";
import { ApiError } from "./errors";

/** A strong ETag over the exact JSON representation. */
export const etagOf = async (body: unknown): Promise<string> => `"${(await sha256Hex(JSON.stringify(body))).slice(0, 32)}"`;

/** Entity tags listed in an If-Match / If-None-Match header, `W/` prefixes ignored (proxies add them). */
function listedTags(header: string): string[] {
  return header.split(",").map((t) => t.trim().replace(/^W\//, "")).filter(Boolean);
}

const matches = (header: string, etag: string) => {
  const tags = listedTags(header);
  return tags.includes("*") || tags.includes(etag);
};

/**
 * The If-Match check for a write, as a function of the current representation; undefined when
 * the request has no If-Match.
 */
export function ifMatch<T>(c: Context, represent: (current: T) => unknown): ((current: T) => Promise<void>) | undefined {
  const header = c.req.header("if-match");
  if (header === undefined) return undefined;
  return async (current) => {
    if (!matches(header, await etagOf(represent(current)))) {
      throw new ApiError("precondition_failed", "If-Match does not match the current ETag; fetch the resource again");
    }
  };
}

/** Answers a single-resource GET with its ETag, or 304 when If-None-Match already has it. */
export async function jsonWithEtag<T extends object, S extends 200 | 201 = 200>(c: Context, body: T, status: S = 200 as S) {
  const etag = await etagOf(body);
  const inm = c.req.header("if-none-match");
  const answer = c.json(body, status, { ETag: etag });
  if (c.req.method === "GET" && inm !== undefined && matches(inm, etag)) {
    // 304 carries no body; typed as the 200 answer it stands for.
    return c.body(null, 304, { ETag: etag }) as unknown as typeof answer;
  }
  return answer;
}
