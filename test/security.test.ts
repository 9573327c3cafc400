import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, keyWith, newWorkspace, type Tenant } from "./helpers";

type Perm = "contacts:read" | "contacts:write" | "webhooks:manage" | "keys:manage";
const ALL: Perm[] = ["contacts:read", "contacts:write", "webhooks:manage", "keys:manage"];

interface Fixture {
  contactId: string;
  siteId: string;
  keyId: string;
}

interface ProtectedRoute {
  method: string;
  path: (f: Fixture) => string;
  permission: Perm;
  body?: (f: Fixture) => unknown;
  /** True when the path names a resource, so another workspace must get 404. */
  owned?: boolean;
  ok: number;
}

let seq = 0;
/** Every protected route. A fresh fixture per call, so destructive routes can succeed. */
const ROUTES: ProtectedRoute[] = [
  { method: "GET", path: () => "/v1/contacts", permission: "contacts:read", ok: 200 },
  { method: "POST", path: () => "/v1/contacts", permission: "contacts:write", body: () => ({ first_name: `New ${++seq}` }), ok: 201 },
  { method: "POST", path: () => "/v1/contacts/upsert", permission: "contacts:write", body: () => ({ first_name: "U", email: `u${++seq}@x.example` }), ok: 201 },
  { method: "POST", path: () => "/v1/contacts/batch", permission: "contacts:write", body: () => ({ contacts: [{ first_name: "B" }] }), ok: 207 },
  { method: "GET", path: () => "/v1/contacts/deleted", permission: "contacts:read", ok: 200 },
  { method: "GET", path: () => "/v1/contacts/limits", permission: "contacts:read", ok: 200 },
  { method: "GET", path: (f) => `/v1/contacts/${f.contactId}`, permission: "contacts:read", owned: true, ok: 200 },
  { method: "PUT", path: (f) => `/v1/contacts/${f.contactId}`, permission: "contacts:write", body: () => ({ first_name: "P" }), owned: true, ok: 200 },
  { method: "PATCH", path: (f) => `/v1/contacts/${f.contactId}`, permission: "contacts:write", body: () => ({ company: "C" }), owned: true, ok: 200 },
  { method: "DELETE", path: (f) => `/v1/contacts/${f.contactId}`, permission: "contacts:write", owned: true, ok: 200 },
  { method: "POST", path: (f) => `/v1/contacts/${f.contactId}/tags/add`, permission: "contacts:write", body: () => ({ tags: ["t"] }), owned: true, ok: 200 },
  { method: "POST", path: (f) => `/v1/contacts/${f.contactId}/tags/remove`, permission: "contacts:write", body: () => ({ tags: ["t"] }), owned: true, ok: 200 },
  { method: "GET", path: (f) => `/v1/contacts/${f.contactId}/vcard`, permission: "contacts:read", owned: true, ok: 200 },
  { method: "GET", path: () => "/v1/tags", permission: "contacts:read", ok: 200 },
  { method: "GET", path: () => "/v1/sites", permission: "contacts:read", ok: 200 },
  { method: "POST", path: () => "/v1/sites", permission: "contacts:write", body: () => ({ title: "S" }), ok: 201 },
  { method: "GET", path: (f) => `/v1/sites/${f.siteId}`, permission: "contacts:read", owned: true, ok: 200 },
  { method: "PATCH", path: (f) => `/v1/sites/${f.siteId}`, permission: "contacts:write", body: () => ({ title: "T" }), owned: true, ok: 200 },
  { method: "DELETE", path: (f) => `/v1/sites/${f.siteId}`, permission: "contacts:write", owned: true, ok: 200 },
  { method: "GET", path: () => "/v1/api-keys", permission: "keys:manage", ok: 200 },
  { method: "POST", path: () => "/v1/api-keys", permission: "keys:manage", body: () => ({ name: "k", permissions: ["contacts:read"] }), ok: 201 },
  { method: "DELETE", path: (f) => `/v1/api-keys/${f.keyId}`, permission: "keys:manage", owned: true, ok: 200 },
];

let owner: Tenant;
let stranger: Tenant;
const keysWithout = new Map<Perm, string>();

async function fixture(): Promise<Fixture> {
  const contact = await call("POST", "/v1/contacts", { key: owner.key, body: { first_name: `Owned ${++seq}`, tags: ["t"] } });
  const site = await call("POST", "/v1/sites", { key: owner.key, body: { title: "Owned site" } });
  const key = await call("POST", "/v1/api-keys", { key: owner.key, body: { name: "victim", permissions: ["contacts:read"] } });
  return { contactId: contact.body.id, siteId: site.body.id, keyId: key.body.id };
}

beforeAll(async () => {
  owner = await newWorkspace("business");
  stranger = await newWorkspace("business");
  for (const p of ALL) keysWithout.set(p, await keyWith(owner, ALL.filter((x) => x !== p)));
});

describe.each(ROUTES.map((r) => [`${r.method} ${r.path({ contactId: "{id}", siteId: "{id}", keyId: "{id}" })}`, r] as const))(
  "%s",
  (_name, route) => {
    const send = async (key: string | undefined, f: Fixture, path = route.path(f)) =>
      call(route.method, path, { key, body: route.body?.(f) });

    it("no key → 401", async () => {
      expectError(await send(undefined, await fixture()), 401, "unauthorized", "Missing API key");
    });

    it("unknown key → 401", async () => {
      expectError(await send("cbx_0000000000000000000000000000000000000000", await fixture()), 401, "unauthorized", "Invalid API key");
    });

    it(`a key without ${route.permission} → 403`, async () => {
      const f = await fixture();
      expectError(await send(keysWithout.get(route.permission), f), 403, "forbidden", `${route.permission} permission required`);
    });

    it(`the right permission → ${route.ok}, also below /api/v1`, async () => {
      const f = await fixture();
      expect((await send(owner.key, f)).status).toBe(route.ok);
      const mirrored = await fixture();
      expect((await send(owner.key, mirrored, `/api${route.path(mirrored)}`)).status).toBe(route.ok);
    });

    if (route.owned) {
      it("another workspace's id → 404, and the resource is untouched", async () => {
        const f = await fixture();
        const res = await send(stranger.key, f);
        expectError(res, 404, "not_found", /not found$/);
        const contact = await call("GET", `/v1/contacts/${f.contactId}`, { key: owner.key });
        expect(contact.body).toMatchObject({ id: f.contactId, tags: ["t"] });
        expect((await call("GET", `/v1/sites/${f.siteId}`, { key: owner.key })).body.title).toBe("Owned site");
        expect((await call("GET", "/v1/api-keys?limit=100", { key: owner.key })).body.data.map((k: { id: string }) => k.id)).toContain(f.keyId);
      });
    }
  },
);

describe("workspace isolation on lists", () => {
  it("another workspace sees none of the owner's contacts, tags, sites, keys or tombstones", async () => {
    const f = await fixture();
    const gone = await fixture();
    await call("DELETE", `/v1/contacts/${gone.contactId}`, { key: owner.key });
    for (const path of ["/v1/contacts", "/v1/tags", "/v1/sites", "/v1/contacts/deleted", `/v1/contacts?q=owned`, `/v1/contacts?tags=t`]) {
      const res = await call("GET", path, { key: stranger.key });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.data)).not.toContain(f.contactId);
      expect(res.body.data.filter((x: { id?: string; tag?: string }) => x.tag === "t" || x.id === f.contactId || x.id === f.siteId || x.id === gone.contactId)).toEqual([]);
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
