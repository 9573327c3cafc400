import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeEndedSessions } from "../src/console/console-sessions.data";
import { dbFor } from "../src/lib/db/client";
import { ADMIN, BASE, call, expectError, expectKeyRefused, keyWith, newWorkspace, type Tenant } from "./helpers";
import { ALL, fixture, ownerState, pathOf, protectedRoutes, SUCCESS, successRequest } from "./route-table";

/**
 * The console's sign-in: an API key exchanged for a session cookie that stands for the key on /v1.
 * Over HTTPS (the tests' base) the cookie is `__Host-cardbox_session`.
 */

const ORIGIN = BASE;
const HOUR = 3_600_000;

interface Session {
  cookie: string;
  csrf: string;
  token: string;
}

async function signIn(key: string): Promise<Session> {
  const res = await call("POST", "/app/session", { body: { key }, headers: { origin: ORIGIN } });
  expect(res.status, res.text).toBe(201);
  const [setCookie] = res.headers.getSetCookie();
  const token = /^__Host-cardbox_session=([^;]+);/.exec(setCookie ?? "")![1]!;
  return { cookie: `__Host-cardbox_session=${token}`, csrf: res.body.csrf_token, token };
}

/** A request as the console sends it: the cookie, and on a write the CSRF token from this origin. */
const asConsole = (session: Session, headers: Record<string, string> = {}) => ({
  cookie: session.cookie,
  origin: ORIGIN,
  "x-cardbox-csrf": session.csrf,
  ...headers,
});

const sessionRows = async (keyId: string) =>
  (await env.DB.prepare("SELECT * FROM console_sessions WHERE key_id = ?").bind(keyId).all<Record<string, string>>()).results;

const keyIdOf = async (key: string) => (await call("GET", "/v1/me", { key })).body.api_key.id as string;

/** Makes a session look as if its last request was `ms` ago. */
const idleFor = (session: Session, ms: number) =>
  env.DB.prepare(
    "UPDATE console_sessions SET last_seen_at = ? WHERE token_hash = (SELECT token_hash FROM console_sessions WHERE csrf_token = ?)",
  )
    .bind(new Date(Date.now() - ms).toISOString(), session.csrf)
    .run();

/** A session that has ended: 401 with the Bearer challenge, and the cookie cleared. */
function expectSessionEnded(res: Awaited<ReturnType<typeof call>>) {
  expectError(res, 401, "unauthorized", "Session expired or signed out; sign in again");
  expect(res.headers.get("www-authenticate")).toBe('Bearer realm="cardbox", error="invalid_token"');
  expect(res.headers.getSetCookie()).toEqual([
    expect.stringMatching(/^__Host-cardbox_session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Strict$/),
  ]);
}

let tenant: Tenant;

beforeAll(async () => {
  tenant = await newWorkspace("business");
});

describe("signing in", () => {
  it("exchanges a live key for an HttpOnly, SameSite=Strict, Secure __Host- cookie, storing only the token's hash", async () => {
    const res = await call("POST", "/app/session", { body: { key: tenant.key }, headers: { origin: ORIGIN } });
    expect(res.status, res.text).toBe(201);
    const me = (await call("GET", "/v1/me", { key: tenant.key })).body;
    expect(res.body).toEqual({ ...me, csrf_token: expect.stringMatching(/^[0-9A-Za-z]{32}$/), idle_timeout_seconds: 43200 });
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-cardbox_session=[0-9A-Za-z]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    expect(res.text).not.toContain(tenant.key);
    const token = /=([^;]+);/.exec(cookies[0]!)![1]!;
    const rows = await sessionRows(me.api_key.id);
    const row = rows.find((r) => r.csrf_token === res.body.csrf_token)!;
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(row.created_at).toBe(row.last_seen_at);
  });

  it("over plain HTTP (local development) sets cookie without Secure and without the __Host- prefix", async () => {
    const res = await exports.default.fetch(
      new Request("http://127.0.0.1:8787/app/session", {
        method: "POST",
        headers: { "content-type": "application/json", origin: "http://127.0.0.1:8787" },
        body: JSON.stringify({ key: tenant.key }),
      }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^cardbox_session=[0-9A-Za-z]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/),
    ]);
  });

  it.each([
    ["an unknown key", { key: "cbx_0000000000000000000000000000000000000000" }, { origin: ORIGIN }, 401, "unauthorized", "Invalid API key"],
    ["something that is no key", { key: "hunter2" }, { origin: ORIGIN }, 401, "unauthorized", "Invalid API key"],
    ["no Origin", { key: "KEY" }, {}, 403, "forbidden", "Cross-origin request refused: Origin must be this site's"],
    ["another Origin", { key: "KEY" }, { origin: "https://evil.example" }, 403, "forbidden", /^Cross-origin/],
    ["no key", {}, { origin: ORIGIN }, 400, "validation_failed", "key is required"],
    ["an extra field", { key: "KEY", remember: true }, { origin: ORIGIN }, 400, "validation_failed", "remember is not a known field"],
  ] as const)("refuses %s, sets no cookie and opens no session", async (_, body, headers, status, code, error) => {
    const keyId = await keyIdOf(tenant.key);
    const before = (await sessionRows(keyId)).length;
    const sent = JSON.parse(JSON.stringify(body).replace('"KEY"', JSON.stringify(tenant.key)));
    const res = await call("POST", "/app/session", { body: sent, headers });
    expectError(res, status, code, error);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await sessionRows(keyId)).toHaveLength(before);
  });

  it("refuses a revoked key", async () => {
    const key = await keyWith(tenant, ["contacts:read"]);
    const id = await keyIdOf(key);
    expect((await call("DELETE", `/v1/api-keys/${id}`, { key: tenant.key })).status).toBe(200);
    const res = await call("POST", "/app/session", { body: { key }, headers: { origin: ORIGIN } });
    expectError(res, 401, "unauthorized", "Invalid API key");
    expect(await sessionRows(id)).toEqual([]);
  });
});

describe("the session on /v1", () => {
  it("acts as its key: its workspace and its permissions", async () => {
    const other = await newWorkspace();
    await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "Elsewhere" } });
    const readOnly = await keyWith(tenant, ["contacts:read"]);
    const session = await signIn(readOnly);
    const me = await call("GET", "/v1/me", { headers: { cookie: session.cookie } });
    expect(me.status).toBe(200);
    expect(me.body.api_key).toMatchObject({ id: await keyIdOf(readOnly), permissions: ["contacts:read"] });
    expect(me.body.workspace.id).toBe(tenant.workspaceId);
    const list = await call("GET", "/v1/contacts?q=elsewhere", { headers: { cookie: session.cookie } });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
    const write = await call("POST", "/v1/contacts", { body: { first_name: "Nope" }, headers: asConsole(session) });
    expectError(write, 403, "forbidden", "contacts:write permission required");
  });

  it("writes with the CSRF token from this origin; reads need neither", async () => {
    const session = await signIn(tenant.key);
    expect((await call("GET", "/v1/contacts", { headers: { cookie: session.cookie } })).status).toBe(200);
    const res = await call("POST", "/v1/contacts", { body: { first_name: "Via console" }, headers: asConsole(session) });
    expect(res.status, res.text).toBe(201);
    expect(res.body.source).toBe("api");
  });

  it.each([
    ["no CSRF token", { "x-cardbox-csrf": undefined }, "Missing or wrong CSRF token (x-cardbox-csrf)"],
    ["a wrong CSRF token", { "x-cardbox-csrf": "0".repeat(32) }, "Missing or wrong CSRF token (x-cardbox-csrf)"],
    ["another session's CSRF token", { "x-cardbox-csrf": "OTHER" }, "Missing or wrong CSRF token (x-cardbox-csrf)"],
    ["no Origin", { origin: undefined }, "Cross-origin request refused: Origin must be this site's"],
    ["another Origin", { origin: "https://evil.example" }, "Cross-origin request refused: Origin must be this site's"],
  ] as const)("refuses a write with %s (403) and changes nothing", async (_, change, error) => {
    const session = await signIn(tenant.key);
    const other = await signIn(tenant.key);
    const headers: Record<string, string> = asConsole(session);
    for (const [name, value] of Object.entries(change)) {
      if (value === undefined) delete headers[name];
      else headers[name] = value === "OTHER" ? other.csrf : value;
    }
    const before = await ownerState(tenant);
    expectError(await call("POST", "/v1/contacts", { body: { first_name: "Forged" }, headers }), 403, "forbidden", error);
    expectError(await call("DELETE", `/v1/api-keys/${await keyIdOf(tenant.key)}`, { headers }), 403, "forbidden", error);
    expect(await ownerState(tenant)).toEqual(before);
  });

  it("leaves key requests as they were: a key header wins over the cookie, and needs no CSRF token", async () => {
    const session = await signIn(tenant.key);
    const other = await newWorkspace();
    const res = await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "Keyed" }, headers: { cookie: session.cookie } });
    expect(res.status).toBe(201);
    expect((await call("GET", `/v1/contacts/${res.body.id}`, { key: other.key })).status).toBe(200);
    expect((await call("GET", `/v1/contacts/${res.body.id}`, { headers: { cookie: session.cookie } })).status).toBe(404);
    // A bad key with a good cookie is still a bad key.
    expectKeyRefused(
      await call("GET", "/v1/me", { key: "cbx_0000000000000000000000000000000000000000", headers: { cookie: session.cookie } }),
      "Invalid API key",
    );
  });

  it("does not open /mcp", async () => {
    const session = await signIn(tenant.key);
    const res = await call("POST", "/mcp", {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { ...asConsole(session), accept: "application/json, text/event-stream" },
    });
    expectKeyRefused(res, "Missing API key");
  });

  it("ends with its key: the request after a revocation answers 401 and clears the cookie", async () => {
    const key = await keyWith(tenant, ALL);
    const session = await signIn(key);
    expect((await call("GET", "/v1/me", { headers: { cookie: session.cookie } })).status).toBe(200);
    // The console revoking its own key: the revocation itself answers, the next request does not.
    const revoke = await call("DELETE", `/v1/api-keys/${await keyIdOf(key)}`, { headers: asConsole(session) });
    expect(revoke.status, revoke.text).toBe(200);
    expectSessionEnded(await call("GET", "/v1/me", { headers: { cookie: session.cookie } }));
    expectSessionEnded(await call("GET", "/app/session", { headers: { cookie: session.cookie } }));
  });

  it("ends with its workspace", async () => {
    const doomed = await newWorkspace();
    const session = await signIn(doomed.key);
    const id = await keyIdOf(doomed.key);
    expect((await call("DELETE", `/admin/workspaces/${doomed.workspaceId}`, { headers: ADMIN })).status).toBe(200);
    expect(await sessionRows(id)).toEqual([]);
    expect((await call("GET", "/v1/me", { headers: { cookie: session.cookie } })).status).toBe(401);
  });
});

describe("idle expiry", () => {
  it("ends a session after 12 hours without a request", async () => {
    const session = await signIn(tenant.key);
    await idleFor(session, 12 * HOUR + 1000);
    expectSessionEnded(await call("GET", "/v1/contacts", { headers: { cookie: session.cookie } }));
    expectSessionEnded(await call("GET", "/app/session", { headers: { cookie: session.cookie } }));
  });

  it("slides with use: a request after 11 idle hours works, moves last_seen_at and sets the cookie again", async () => {
    const session = await signIn(tenant.key);
    await idleFor(session, 11 * HOUR);
    const res = await call("GET", "/v1/contacts", { headers: { cookie: session.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([`${session.cookie}; Max-Age=43200; Path=/; HttpOnly; Secure; SameSite=Strict`]);
    let lastSeen = "";
    for (let i = 0; i < 50 && !(Date.now() - Date.parse(lastSeen) < 60_000); i++) {
      const rows = await sessionRows(await keyIdOf(tenant.key));
      lastSeen = rows.find((r) => r.csrf_token === session.csrf)!.last_seen_at!;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - Date.parse(lastSeen)).toBeLessThan(60_000);
    // 11 more hours from now would have ended the unslid session; it lives.
    await idleFor(session, 11 * HOUR);
    expect((await call("GET", "/v1/me", { headers: { cookie: session.cookie } })).status).toBe(200);
  });

  it("does not touch a session used in the last minute (no write per request)", async () => {
    const session = await signIn(tenant.key);
    const res = await call("GET", "/v1/me", { headers: { cookie: session.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("purges sessions that ended: idle past the limit or of a revoked key", async () => {
    const live = await signIn(tenant.key);
    const idle = await signIn(tenant.key);
    await idleFor(idle, 13 * HOUR);
    const doomedKey = await keyWith(tenant, ["contacts:read"]);
    await signIn(doomedKey);
    const doomedId = await keyIdOf(doomedKey);
    await call("DELETE", `/v1/api-keys/${doomedId}`, { key: tenant.key });
    await purgeEndedSessions(dbFor(env.DB));
    const csrfs = (await sessionRows(await keyIdOf(tenant.key))).map((r) => r.csrf_token);
    expect(csrfs).toContain(live.csrf);
    expect(csrfs).not.toContain(idle.csrf);
    expect(await sessionRows(doomedId)).toEqual([]);
  });
});

describe("GET and DELETE /app/session", () => {
  it("answers the live session with its CSRF token, or 401 without one", async () => {
    const session = await signIn(tenant.key);
    const res = await call("GET", "/app/session", { headers: { cookie: session.cookie } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...(await call("GET", "/v1/me", { key: tenant.key })).body,
      csrf_token: session.csrf,
      idle_timeout_seconds: 43200,
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const none = await call("GET", "/app/session");
    expectError(none, 401, "unauthorized", "Not signed in");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="cardbox"');
  });

  it("signs out: the row is gone, the cookie cleared, and the old cookie answers 401", async () => {
    const session = await signIn(tenant.key);
    const res = await call("DELETE", "/app/session", { headers: asConsole(session) });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(/^__Host-cardbox_session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Strict$/),
    ]);
    expect((await sessionRows(await keyIdOf(tenant.key))).map((r) => r.csrf_token)).not.toContain(session.csrf);
    expectSessionEnded(await call("GET", "/v1/me", { headers: { cookie: session.cookie } }));
  });

  it.each([
    ["no CSRF token", { "x-cardbox-csrf": "" }],
    ["another Origin", { origin: "https://evil.example" }],
  ])("refuses to sign out with %s (403); the session lives on", async (_, change) => {
    const session = await signIn(tenant.key);
    expectError(await call("DELETE", "/app/session", { headers: asConsole(session, change) }), 403, "forbidden");
    expect((await call("GET", "/v1/me", { headers: { cookie: session.cookie } })).status).toBe(200);
  });

  it("without a live session only clears the cookie", async () => {
    const res = await call("DELETE", "/app/session", { headers: { origin: ORIGIN, cookie: "__Host-cardbox_session=gone" } });
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie()).toHaveLength(1);
  });
});

describe("every /v1 route through a session", () => {
  const routes = protectedRoutes();
  let session: Session;
  const lacking = new Map<string, Session>();

  beforeAll(async () => {
    session = await signIn(tenant.key);
    for (const p of ALL)
      lacking.set(
        p,
        await signIn(
          await keyWith(
            tenant,
            ALL.filter((x) => x !== p),
          ),
        ),
      );
  });

  it.each(routes.map((r) => [`${r.method} ${r.pattern}`, r] as const))(
    "%s: CSRF on writes, the key's permission, success",
    async (name, route) => {
      const success = SUCCESS[name]!;
      const send = async (headers: Record<string, string>) => {
        const f = await fixture(tenant);
        return call(route.method, `/v1${pathOf(route.pattern, f)}`, successRequest(success, f, headers));
      };
      if (route.method !== "GET") {
        const { "x-cardbox-csrf": _, ...withoutToken } = asConsole(session);
        expectError(await send(withoutToken), 403, "forbidden", "Missing or wrong CSRF token (x-cardbox-csrf)");
      }
      if (route.permission) {
        expectError(await send(asConsole(lacking.get(route.permission)!)), 403, "forbidden", `${route.permission} permission required`);
      }
      const res = await send(asConsole(session));
      expect(res.status, res.text).toBe(success.ok);
    },
  );
});

describe("the console's pages", () => {
  it.each(["/app", "/app/", "/app/contacts", "/app/webhooks/anything"])("%s is the console's page, under a strict CSP", async (path) => {
    const res = await call("GET", path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.text).toMatch(/^<!doctype html>/i);
  });

  it("answers a missing file below /app with a 404, not the page", async () => {
    expectError(await call("GET", "/app/assets/missing.js"), 404, "not_found", "No file /app/assets/missing.js");
  });
});
