import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { call, expectError, keyWith, newWorkspace, type Tenant } from "./helpers";

/**
 * The security triad, run over the app's own route table: every route that takes an API key is
 * found there with the permission it requires, on both prefixes, so a route is covered the day it
 * is added. Each needs a success case below (a valid body and its status), or this file fails.
 */

type Perm = "contacts:read" | "contacts:write" | "webhooks:manage" | "keys:manage";
const ALL: Perm[] = ["contacts:read", "contacts:write", "webhooks:manage", "keys:manage"];
const PREFIXES = ["/v1", "/api/v1"] as const;

interface ProtectedRoute {
  method: string;
  /** Hono's pattern below the prefix, e.g. `/contacts/:id`. */
  pattern: string;
  permission: Perm | null;
}

/** Every route below `/v1` (the API key routes), with the permission its middleware requires. */
function protectedRoutes(): ProtectedRoute[] {
  const routes = new Map<string, ProtectedRoute>();
  for (const { method, path, handler } of createApp().routes) {
    if (!path.startsWith("/v1/") || path.includes("*") || method === "ALL") continue;
    const key = `${method} ${path}`;
    const route = routes.get(key) ?? { method, pattern: path.slice(3), permission: null };
    const permission = (handler as { permission?: Perm }).permission;
    if (permission) route.permission = permission;
    routes.set(key, route);
  }
  return [...routes.values()];
}

interface Fixture {
  contact: string;
  site: string;
  /** Private: another workspace may not even read it. */
  profile: string;
  webhook: string;
  key: string;
  delivery: string;
}

let seq = 0;
/** A valid request for each route, and its success status. A fresh fixture per call, so destructive routes can succeed. */
const SUCCESS: Record<string, { body?: (f: Fixture) => unknown; ok: number }> = {
  "GET /contacts": { ok: 200 },
  "POST /contacts": { body: () => ({ first_name: `New ${++seq}` }), ok: 201 },
  "POST /contacts/upsert": { body: () => ({ first_name: "U", email: `u${++seq}@x.example` }), ok: 201 },
  "POST /contacts/batch": { body: () => ({ contacts: [{ first_name: "B" }] }), ok: 207 },
  "GET /contacts/deleted": { ok: 200 },
  "GET /contacts/limits": { ok: 200 },
  "GET /contacts/:id": { ok: 200 },
  "PUT /contacts/:id": { body: () => ({ first_name: "P" }), ok: 200 },
  "PATCH /contacts/:id": { body: () => ({ company: "C" }), ok: 200 },
  "DELETE /contacts/:id": { ok: 200 },
  "POST /contacts/:id/tags/add": { body: () => ({ tags: ["t"] }), ok: 200 },
  "POST /contacts/:id/tags/remove": { body: () => ({ tags: ["t"] }), ok: 200 },
  "GET /contacts/:id/vcard": { ok: 200 },
  "GET /tags": { ok: 200 },
  "GET /sites": { ok: 200 },
  "POST /sites": { body: () => ({ title: "S" }), ok: 201 },
  "GET /sites/:id": { ok: 200 },
  "PATCH /sites/:id": { body: () => ({ title: "T" }), ok: 200 },
  "DELETE /sites/:id": { ok: 200 },
  "GET /api-keys": { ok: 200 },
  "POST /api-keys": { body: () => ({ name: "k", permissions: ["contacts:read"] }), ok: 201 },
  "DELETE /api-keys/:id": { ok: 200 },
  "GET /me": { ok: 200 },
  "POST /profiles": { body: () => ({ handle: `sec-${Date.now() % 1_000_000}-${++seq}`, name: "P" }), ok: 201 },
  "GET /profiles": { ok: 200 },
  "GET /profiles/:id": { ok: 200 },
  "PATCH /profiles/:id": { body: () => ({ bio: "x" }), ok: 200 },
  "DELETE /profiles/:id": { ok: 200 },
  "GET /profiles/:id/stats": { ok: 200 },
  "GET /profiles/:id/qr.svg": { ok: 200 },
  "POST /contacts/scans": { body: (f) => ({ profile_id: f.profile, source: "web" }), ok: 201 },
  "GET /contacts/scans": { ok: 200 },
  "GET /analytics/sources": { ok: 200 },
  "POST /webhooks": { body: () => ({ url: "https://hooks.example/cardbox", events: ["*"] }), ok: 201 },
  "GET /webhooks": { ok: 200 },
  "GET /webhooks/:id": { ok: 200 },
  "PATCH /webhooks/:id": { body: () => ({ description: "x" }), ok: 200 },
  "DELETE /webhooks/:id": { ok: 200 },
  "POST /webhooks/:id/rotate-secret": { ok: 200 },
  "POST /webhooks/:id/test": { ok: 202 },
  "GET /webhooks/:id/deliveries": { ok: 200 },
  "POST /webhooks/:id/deliveries/:delivery_id/retry": { ok: 202 },
};

/** The fixture's id for each path parameter, by the resource the path names. */
function pathOf(pattern: string, f: Fixture) {
  const ids: Record<string, string> = { contacts: f.contact, sites: f.site, profiles: f.profile, webhooks: f.webhook, "api-keys": f.key };
  const segments = pattern.split("/");
  return segments
    .map((segment, i) => {
      if (segment === ":delivery_id") return f.delivery;
      if (!segment.startsWith(":")) return segment;
      const id = ids[segments[i - 1]!];
      if (!id) throw new Error(`no fixture for ${segments[i - 1]}/${segment} in ${pattern}`);
      return id;
    })
    .join("/");
}

let owner: Tenant;
let stranger: Tenant;
const keysWithout = new Map<Perm, string>();

async function fixture(): Promise<Fixture> {
  const made = await Promise.all([
    call("POST", "/v1/contacts", { key: owner.key, body: { first_name: `Owned ${++seq}`, tags: ["t"] } }),
    call("POST", "/v1/sites", { key: owner.key, body: { title: "Owned site" } }),
    call("POST", "/v1/profiles", {
      key: owner.key,
      body: { handle: `owned-${Date.now() % 1_000_000}-${++seq}`, name: "Owned", public: false },
    }),
    call("POST", "/v1/webhooks", { key: owner.key, body: { url: "https://hooks.example/owned", events: ["*"] } }),
    call("POST", "/v1/api-keys", { key: owner.key, body: { name: "victim", permissions: ["contacts:read"] } }),
  ]);
  for (const res of made) expect(res.status, res.text).toBe(201);
  const [contact, site, profile, webhook, key] = made.map((res) => res.body.id as string);
  // A logged delivery of that endpoint, as the queue consumer would have left it.
  const delivery = crypto.randomUUID();
  const now = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare("INSERT INTO webhook_events (id, workspace_id, type, payload, created_at) VALUES (?, ?, 'webhook.test', '{}', ?)").bind(
      `evt_${delivery}`,
      owner.workspaceId,
      now,
    ),
    env.DB.prepare(
      "INSERT INTO webhook_messages (id, event_id, webhook_id, state, attempts, created_at, updated_at) VALUES (?, ?, ?, 'failed', 1, ?, ?)",
    ).bind(`msg_${delivery}`, `evt_${delivery}`, webhook, now, now),
    env.DB.prepare(
      "INSERT INTO webhook_deliveries (id, webhook_id, message_id, event_id, event_type, attempt, status, duration_ms, error, attempted_at) VALUES (?, ?, ?, ?, 'webhook.test', 1, 500, 3, 'HTTP 500', ?)",
    ).bind(delivery, webhook, `msg_${delivery}`, `evt_${delivery}`, now),
  ]);
  return { contact: contact!, site: site!, profile: profile!, webhook: webhook!, key: key!, delivery };
}

/**
 * Everything the owner can see, to prove a refused request changed nothing. Background work moves
 * two things on its own: a key's last use, and an endpoint's `updated_at` as the queue consumer
 * logs its delivery attempts (every fixture's writes raise events).
 */
async function ownerState() {
  const paths = [
    "/v1/contacts?limit=100",
    "/v1/sites?limit=100",
    "/v1/profiles?limit=100",
    "/v1/webhooks?limit=100",
    "/v1/api-keys?limit=100",
    "/v1/tags",
  ];
  const answers = await Promise.all(paths.map((path) => call("GET", path, { key: owner.key })));
  const moving = (path: string) => (path.startsWith("/v1/webhooks") ? "updated_at" : "last_used_at");
  return answers.map((res, i) => JSON.stringify(res.body.data, (name, value) => (name === moving(paths[i]!) ? undefined : value)));
}

const ROUTES = protectedRoutes();

beforeAll(async () => {
  owner = await newWorkspace("business");
  stranger = await newWorkspace("business");
  for (const p of ALL)
    keysWithout.set(
      p,
      await keyWith(
        owner,
        ALL.filter((x) => x !== p),
      ),
    );
});

it("finds every protected route in the app's route table, each with a success case", () => {
  expect(ROUTES.length).toBeGreaterThan(40);
  expect(ROUTES.map((r) => `${r.method} ${r.pattern}`).filter((name) => !SUCCESS[name])).toEqual([]);
  // Only `/v1/me` is open to every key.
  expect(ROUTES.filter((r) => r.permission === null).map((r) => `${r.method} ${r.pattern}`)).toEqual(["GET /me"]);
});

describe.each(ROUTES.map((r) => [`${r.method} ${r.pattern}`, r] as const))("%s", (name, route) => {
  const success = SUCCESS[name]!;
  const send = (key: string | undefined, f: Fixture, prefix: string) =>
    call(route.method, `${prefix}${pathOf(route.pattern, f)}`, { key, body: success.body?.(f) });

  it.each(PREFIXES)("below %s: no key → 401, an unknown key → 401", async (prefix) => {
    const f = await fixture();
    expectError(await send(undefined, f, prefix), 401, "unauthorized", "Missing API key");
    expectError(await send("cbx_0000000000000000000000000000000000000000", f, prefix), 401, "unauthorized", "Invalid API key");
  });

  if (route.permission) {
    const permission = route.permission;
    it.each(PREFIXES)(`below %s: a key without ${permission} → 403`, async (prefix) => {
      expectError(await send(keysWithout.get(permission), await fixture(), prefix), 403, "forbidden", `${permission} permission required`);
    });
  }

  it.each(PREFIXES)(`below %s: the right permission → ${success.ok}`, async (prefix) => {
    const res = await send(owner.key, await fixture(), prefix);
    expect(res.status, res.text).toBe(success.ok);
  });

  if (route.pattern.includes(":")) {
    it.each(PREFIXES)("below %s: another workspace's id → 404, and the owner's state is unchanged", async (prefix) => {
      const f = await fixture();
      const before = await ownerState();
      expectError(await send(stranger.key, f, prefix), 404, "not_found", /not found$/);
      expect(await ownerState()).toEqual(before);
    });
  }
});

describe("MCP", () => {
  it("answers 401 without a key", async () => {
    expectError(
      await call("POST", "/mcp", {
        body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
        headers: { accept: "application/json, text/event-stream" },
      }),
      401,
      "unauthorized",
      "Missing API key",
    );
  });
});

describe("workspace isolation on lists", () => {
  it("another workspace sees none of the owner's contacts, tags, sites, keys or tombstones", async () => {
    const f = await fixture();
    const gone = await fixture();
    await call("DELETE", `/v1/contacts/${gone.contact}`, { key: owner.key });
    for (const path of [
      "/v1/contacts",
      "/v1/tags",
      "/v1/sites",
      "/v1/contacts/deleted",
      `/v1/contacts?q=owned`,
      `/v1/contacts?tags=t`,
      "/v1/profiles",
      "/v1/webhooks",
    ]) {
      const res = await call("GET", path, { key: stranger.key });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.data)).not.toContain(f.contact);
      expect(
        res.body.data.filter(
          (x: { id?: string; tag?: string }) =>
            x.tag === "t" || [f.contact, f.site, f.profile, f.webhook, gone.contact].includes(x.id ?? ""),
        ),
      ).toEqual([]);
    }
    const keys = await call("GET", "/v1/api-keys", { key: stranger.key });
    expect(keys.body.data).toHaveLength(1);
  });

  it("a key cannot grant a permission it does not hold", async () => {
    const readOnly = await keyWith(owner, ["contacts:read", "keys:manage"]);
    const res = await call("POST", "/v1/api-keys", { key: readOnly, body: { name: "escalate", permissions: ["contacts:write"] } });
    expectError(res, 403, "forbidden", "contacts:write permission required to grant it");
  });
});
