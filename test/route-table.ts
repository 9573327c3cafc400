import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { createApp } from "../src/app";
import { call, type Tenant } from "./helpers";

/**
 * The API's routes as the app's own route table lists them, with a valid request for each and
 * fixtures to aim them at: what the security and hostile-input suites run over, so a route is
 * covered the day it is added (a route without a success case here fails both).
 */

export type Perm = "contacts:read" | "contacts:write" | "webhooks:manage" | "keys:manage";
export const ALL: Perm[] = ["contacts:read", "contacts:write", "webhooks:manage", "keys:manage"];
export const PREFIXES = ["/v1", "/api/v1"] as const;

export interface ProtectedRoute {
  method: string;
  /** Hono's pattern below the prefix, e.g. `/contacts/:id`. */
  pattern: string;
  permission: Perm | null;
}

/** Every route below `/v1` (the API key routes), with the permission its middleware requires. */
export function protectedRoutes(): ProtectedRoute[] {
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

export interface Fixture {
  contact: string;
  /** A second contact, to merge into the first. */
  duplicate: string;
  site: string;
  /** Private: another workspace may not even read it. */
  profile: string;
  webhook: string;
  key: string;
  delivery: string;
  import: string;
  /** A lead held past the plan's limit. */
  held: string;
}

interface SuccessCase {
  body?: (f: Fixture) => unknown;
  file?: () => { text: string; type: string };
  ok: number;
}

/** A success case as request options: its JSON body, or its file as the raw body with the file's type. */
export function successRequest(success: SuccessCase, f: Fixture, headers: Record<string, string> = {}) {
  const file = success.file?.();
  if (file) return { raw: file.text, headers: { ...headers, "content-type": file.type } };
  return { body: success.body?.(f), headers };
}

let seq = 0;
/** A valid request for each route, and its success status. A fresh fixture per call, so destructive routes can succeed. */
export const SUCCESS: Record<string, SuccessCase> = {
  "GET /contacts": { ok: 200 },
  "POST /contacts": { body: () => ({ first_name: `New ${++seq}` }), ok: 201 },
  "POST /contacts/upsert": { body: () => ({ first_name: "U", email: `u${++seq}@x.example` }), ok: 201 },
  "POST /contacts/batch": { body: () => ({ contacts: [{ first_name: "B" }] }), ok: 207 },
  "GET /contacts/deleted": { ok: 200 },
  "GET /contacts/limits": { ok: 200 },
  "GET /contacts/duplicates": { ok: 200 },
  "POST /contacts/:id/merge": { body: (f) => ({ from: [f.duplicate] }), ok: 200 },
  "GET /contacts/:id": { ok: 200 },
  "PUT /contacts/:id": { body: () => ({ first_name: "P" }), ok: 200 },
  "PATCH /contacts/:id": { body: () => ({ company: "C" }), ok: 200 },
  "DELETE /contacts/:id": { ok: 200 },
  "POST /contacts/:id/tags/add": { body: () => ({ tags: ["t"] }), ok: 200 },
  "POST /contacts/:id/tags/remove": { body: () => ({ tags: ["t"] }), ok: 200 },
  "GET /contacts/:id/vcard": { ok: 200 },
  "GET /contacts/export": { ok: 200 },
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
  // An event stream: `call` reads its first chunk (the retry hint) and closes it.
  "GET /profiles/:id/live": { ok: 200 },
  "POST /contacts/scans": { body: (f) => ({ profile_id: f.profile, source: "web" }), ok: 201 },
  "GET /contacts/scans": { ok: 200 },
  "GET /analytics/sources": { ok: 200 },
  "GET /leads/held": { ok: 200 },
  "POST /leads/held/:id/release": { ok: 200 },
  "DELETE /leads/held/:id": { ok: 200 },
  "POST /webhooks": { body: () => ({ url: "https://hooks.example/cardbox", events: ["*"] }), ok: 201 },
  "GET /webhooks": { ok: 200 },
  "GET /webhooks/:id": { ok: 200 },
  "PATCH /webhooks/:id": { body: () => ({ description: "x" }), ok: 200 },
  "DELETE /webhooks/:id": { ok: 200 },
  "POST /webhooks/:id/rotate-secret": { ok: 200 },
  "POST /webhooks/:id/test": { ok: 202 },
  "GET /webhooks/:id/deliveries": { ok: 200 },
  "POST /webhooks/:id/deliveries/:delivery_id/retry": { ok: 202 },
  // Accepted, but its one row fails validation when the queue reaches it: no contact appears later
  // in the owner's state, which other tests compare before and after a refused request.
  "POST /imports": { file: () => ({ text: "first_name,email\nImported,not-an-email\n", type: "text/csv" }), ok: 202 },
  "GET /imports": { ok: 200 },
  "GET /imports/:id": { ok: 200 },
};

/** The fixture's id for each path parameter, by the resource the path names. */
export function pathOf(pattern: string, f: Fixture) {
  const ids: Record<string, string> = {
    contacts: f.contact,
    sites: f.site,
    profiles: f.profile,
    webhooks: f.webhook,
    "api-keys": f.key,
    imports: f.import,
    held: f.held,
  };
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

/** Fresh resources of `owner` for one request (destructive routes can then succeed). */
export async function fixture(owner: Tenant): Promise<Fixture> {
  const made = await Promise.all([
    call("POST", "/v1/contacts", { key: owner.key, body: { first_name: `Owned ${++seq}`, tags: ["t"] } }),
    call("POST", "/v1/sites", { key: owner.key, body: { title: "Owned site" } }),
    call("POST", "/v1/profiles", {
      key: owner.key,
      body: { handle: `owned-${Date.now() % 1_000_000}-${++seq}`, name: "Owned", public: false },
    }),
    call("POST", "/v1/webhooks", { key: owner.key, body: { url: "https://hooks.example/owned", events: ["*"] } }),
    call("POST", "/v1/api-keys", { key: owner.key, body: { name: "victim", permissions: ["contacts:read"] } }),
    call("POST", "/v1/contacts", { key: owner.key, body: { first_name: `Owned ${seq}`, tags: ["d"] } }),
  ]);
  for (const res of made) expect(res.status, res.text).toBe(201);
  const [contact, site, profile, webhook, key, duplicate] = made.map((res) => res.body.id as string);
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
  // A finished import, as the queue consumer would have left it (no file, no message: nothing moves later).
  const imported = crypto.randomUUID();
  await env.DB.prepare(
    "INSERT INTO imports (id, workspace_id, status, mode, format, tags, file_key, bytes, columns, next_offset, next_row, errors, ignored_fields, created_at, updated_at, finished_at) VALUES (?, ?, 'done', 'create', 'csv', '[]', ?, 0, '[]', 0, 2, '[]', '[]', ?, ?, ?)",
  )
    .bind(imported, owner.workspaceId, `${owner.workspaceId}/${imported}.csv`, now, now, now)
    .run();
  // A lead held while the workspace was full, as the card's form would have left it.
  const held = crypto.randomUUID();
  const lead = { name: `Held ${++seq}`, email: null, phone: null, company: null, job_title: null, note: null, via: "web" };
  await env.DB.prepare("INSERT INTO held_leads (id, workspace_id, profile_id, lead, consent_at, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(held, owner.workspaceId, profile, JSON.stringify(lead), now, now)
    .run();
  return {
    contact: contact!,
    duplicate: duplicate!,
    site: site!,
    profile: profile!,
    webhook: webhook!,
    key: key!,
    delivery,
    import: imported,
    held,
  };
}

/**
 * Everything the owner can see, to prove a refused request changed nothing. Background work moves
 * two things on its own: a key's last use, and an endpoint's `updated_at` as the queue consumer
 * logs its delivery attempts (every fixture's writes raise events).
 */
export async function ownerState(owner: Tenant) {
  const paths = [
    "/v1/contacts?limit=100",
    "/v1/sites?limit=100",
    "/v1/profiles?limit=100",
    "/v1/leads/held?limit=100",
    "/v1/webhooks?limit=100",
    "/v1/api-keys?limit=100",
    "/v1/tags",
  ];
  const answers = await Promise.all(paths.map((path) => call("GET", path, { key: owner.key })));
  const moving = (path: string) => (path.startsWith("/v1/webhooks") ? "updated_at" : "last_used_at");
  return answers.map((res, i) => JSON.stringify(res.body.data, (name, value) => (name === moving(paths[i]!) ? undefined : value)));
}
