import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, newWorkspace, type Tenant } from "./helpers";
import { fixture, ownerState, pathOf, protectedRoutes, SUCCESS } from "./route-table";

/**
 * Hostile input, table-driven over every route of the app's own route table: each bad input gets
 * its exact status and error body, and the owner's state is read again to prove nothing changed.
 */

let owner: Tenant;
beforeAll(async () => {
  owner = await newWorkspace("business");
});

const encode = (text: string) => new TextEncoder().encode(text);
const withBody = (valid: unknown, extra: string) =>
  encode(`${JSON.stringify(valid).slice(0, -1)}${JSON.stringify(valid) === "{}" ? "" : ","}${extra}}`);

interface Hostile {
  name: string;
  /** The request's body bytes and content type, given the route's valid body. */
  body?: (valid: unknown) => { bytes: Uint8Array; type?: string };
  /** Appended to the path. */
  query?: string;
  status: number;
  code: string;
  error: string | RegExp;
}

/** What every route must refuse, whatever it is. */
const ANY_ROUTE: Hostile[] = [
  { name: "an unknown query parameter", query: "?debug=1", status: 400, code: "validation_failed", error: "debug is not a known field" },
  { name: "a query that is not UTF-8", query: "?q=%FF%FE", status: 400, code: "bad_request", error: "The URL is not valid UTF-8" },
  {
    name: "a query named __proto__",
    query: "?__proto__=1",
    status: 400,
    code: "validation_failed",
    error: "__proto__ is not a known field",
  },
];

/** What every route must refuse in a body: a route without one takes none (a blank body or `{}` at most). */
const BODY_ROUTE: Hostile[] = [
  { name: "malformed JSON", body: () => ({ bytes: encode('{"a": ') }), status: 400, code: "bad_request", error: /JSON/i },
  {
    name: "a body that is not UTF-8",
    body: () => ({ bytes: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) }),
    status: 400,
    code: "bad_request",
    error: "Request body is not valid UTF-8",
  },
  {
    name: "a body that is not JSON",
    body: () => ({ bytes: encode("name=x"), type: "application/x-www-form-urlencoded" }),
    status: 415,
    code: "unsupported_media_type",
    error: "Content-Type must be application/json",
  },
  {
    name: "a body over 1 MiB",
    body: (valid) => ({ bytes: withBody(valid, `"pad":"${"x".repeat(1024 * 1024)}"`) }),
    status: 413,
    code: "payload_too_large",
    error: "Request body must be at most 1 MiB",
  },
  {
    name: "a JSON array",
    body: () => ({ bytes: encode("[]") }),
    status: 400,
    code: "validation_failed",
    error: /must be an object|is required|must be/,
  },
  {
    name: "a JSON string",
    body: () => ({ bytes: encode('"x"') }),
    status: 400,
    code: "validation_failed",
    error: /must be an object|is required|must be/,
  },
  {
    name: "null",
    body: () => ({ bytes: encode("null") }),
    status: 400,
    code: "validation_failed",
    error: /must be an object|is required|must be/,
  },
  {
    name: "a server-owned field",
    body: (valid) => ({ bytes: withBody(valid, '"workspace_id":"0190a8c4-0000-7000-8000-000000000000"') }),
    status: 400,
    code: "validation_failed",
    error: "workspace_id is not a known field",
  },
  {
    name: "a __proto__ field",
    body: (valid) => ({ bytes: withBody(valid, '"__proto__":{"admin":true}') }),
    status: 400,
    code: "validation_failed",
    error: "__proto__ is not a known field",
  },
  {
    name: "a constructor field",
    body: (valid) => ({ bytes: withBody(valid, '"constructor":{"prototype":{}}') }),
    status: 400,
    code: "validation_failed",
    error: "constructor is not a known field",
  },
];

const ROUTES = protectedRoutes();

describe.each(ROUTES.map((r) => [`${r.method} ${r.pattern}`, r] as const))("%s", (name, route) => {
  const valid = SUCCESS[name]!;
  const cases = [...ANY_ROUTE, ...(valid.file || route.method === "GET" ? [] : BODY_ROUTE)];
  it.each(cases.map((c) => [c.name, c] as const))("refuses %s, and changes nothing", async (_, hostile) => {
    const f = await fixture(owner);
    const before = await ownerState(owner);
    const file = valid.file?.();
    const body =
      hostile.body?.(valid.body?.(f) ?? {}) ??
      (valid.body ? { bytes: encode(JSON.stringify(valid.body(f))) } : file ? { bytes: encode(file.text), type: file.type } : undefined);
    const headers: Record<string, string> = { "x-api-key": owner.key };
    if (body) headers["content-type"] = body.type ?? "application/json";
    const res = await exports.default.fetch(
      new Request(`${BASE}/v1${pathOf(route.pattern, f)}${hostile.query ?? ""}`, { method: route.method, headers, body: body?.bytes }),
    );
    const answer = (await res.json()) as { code: string; error: string; request_id: string };
    expect(res.status, JSON.stringify(answer)).toBe(hostile.status);
    expect(answer.code).toBe(hostile.code);
    if (typeof hostile.error === "string") expect(answer.error).toContain(hostile.error);
    else expect(answer.error).toMatch(hostile.error);
    expect(answer.request_id).toBe(res.headers.get("x-request-id"));
    expect(await ownerState(owner)).toEqual(before);
  });
});

it("runs over every route", () => {
  expect(ROUTES.length).toBeGreaterThan(40);
});
