import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN, call, expectKeyRefused, keyWith, newWorkspace, spyOnSessions } from "./helpers";

const count = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;

/** Revokes `key` (minted in `t`) through the API, as another client would. */
async function revoke(t: { key: string }, key: string) {
  const keys = await call("GET", "/v1/api-keys?limit=100", { key: t.key });
  const id = keys.body.data.find((k: { prefix: string }) => key.startsWith(k.prefix)).id;
  expect((await call("DELETE", `/v1/api-keys/${id}`, { key: t.key })).status).toBe(200);
}

describe("API keys cached by the isolate", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a key seen before costs no round trip of its own: one D1 batch carries the proof and the read", async () => {
    const t = await newWorkspace();
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Ada" } });
    await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key });
    const { batch, prepare } = spyOnSessions();
    const res = await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.body.id, first_name: "Ada" });
    expect(batch).toHaveBeenCalledTimes(1);
    // Two statements in that batch: the contact's read and the key's proof (which reads the key's workspace).
    const sent = prepare.mock.calls.map(([sql]) => sql);
    expect(sent).toHaveLength(2);
    expect(sent.filter((sql) => /api_keys/.test(sql))).toHaveLength(1);
  });

  it("an unfiltered list takes its total from the proof's workspace row: one batch, two statements, current count", async () => {
    const t = await newWorkspace();
    const other = await keyWith(t, ["contacts:read", "contacts:write"]);
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Ada" } });
    expect((await call("GET", "/v1/contacts", { key: t.key })).body.pagination.total).toBe(1);
    // Written through another key: the cached key's next list still counts it.
    await call("POST", "/v1/contacts", { key: other, body: { first_name: "Grace" } });
    const { batch, prepare } = spyOnSessions();
    const res = await call("GET", "/v1/contacts?limit=1", { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { first_name: string }) => c.first_name)).toEqual(["Grace"]);
    expect(res.body.pagination).toMatchObject({ page: 1, limit: 1, total: 2, total_exact: true });
    expect(batch).toHaveBeenCalledTimes(1);
    // The page and the key's proof; no statement of its own for the total.
    const sent = prepare.mock.calls.map(([sql]) => sql);
    expect(sent).toHaveLength(2);
    expect(sent.filter((sql) => /api_keys/.test(sql))).toHaveLength(1);
  });

  it("a cached key answers 401 from the moment it is revoked, for reads, writes, bad input and MCP, and changes nothing", async () => {
    const t = await newWorkspace();
    const key = await keyWith(t, ["contacts:read", "contacts:write"]);
    expect((await call("GET", "/v1/contacts", { key })).status).toBe(200);
    expect((await call("POST", "/v1/contacts", { key, body: { first_name: "Before" } })).status).toBe(201);
    const profile = (await call("POST", "/v1/profiles", { key: t.key, body: { handle: `cached-${Date.now() % 1e6}`, name: "Cached" } }))
      .body;
    await revoke(t, key);

    expectKeyRefused(await call("GET", "/v1/contacts", { key }), "Invalid API key");
    // No email, phone or site: the insert batch is this request's first D1 call, and the proof aborts it.
    expectKeyRefused(await call("POST", "/v1/contacts", { key, body: { first_name: "After" } }), "Invalid API key");
    expectKeyRefused(await call("POST", "/v1/contacts", { key, body: { first_name: 7 } }), "Invalid API key");
    const mcp = await call("POST", "/mcp", {
      key,
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { accept: "application/json, text/event-stream" },
    });
    expectKeyRefused(mcp, "Invalid API key");
    // A scan's proof rides in its card's grouped check, not in a trip of the request's own.
    expectKeyRefused(await call("POST", "/v1/contacts/scans", { key, body: { profile_id: profile.id, source: "web" } }), "Invalid API key");
    expect(await count("SELECT count(*) AS n FROM scans WHERE profile_id = ?", profile.id)).toBe(0);
    expect((await call("GET", `/v1/profiles/${profile.id}/stats`, { key: t.key })).body.total).toBe(0);
    expect(await count("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?", t.workspaceId)).toBe(1);
    expect(await count("SELECT contact_count AS n FROM workspaces WHERE id = ?", t.workspaceId)).toBe(1);
  });

  it("a cached key of a deleted workspace answers 401", async () => {
    const t = await newWorkspace();
    expect((await call("GET", "/v1/me", { key: t.key })).status).toBe(200);
    expect((await call("DELETE", `/admin/workspaces/${t.workspaceId}`, { headers: ADMIN })).status).toBe(200);
    expectKeyRefused(await call("GET", "/v1/me", { key: t.key }), "Invalid API key");
    expectKeyRefused(
      await call("PATCH", "/v1/contacts/0190a8c4-0000-7000-8000-000000000000", { key: t.key, body: { company: "x" } }),
      "Invalid API key",
    );
  });

  it("a cached key sees its workspace as it is now: plan, name, totals", async () => {
    const t = await newWorkspace("free");
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body).toEqual({ plan: "free", limit: 100, used: 0, remaining: 100 });
    expect(
      (await call("PATCH", `/admin/workspaces/${t.workspaceId}`, { headers: ADMIN, body: { name: "Renamed", plan: "pro" } })).status,
    ).toBe(200);
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "One" } });
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body).toEqual({
      plan: "pro",
      limit: 10000,
      used: 1,
      remaining: 9999,
    });
    expect((await call("GET", "/v1/me", { key: t.key })).body.workspace).toEqual({ id: t.workspaceId, name: "Renamed", plan: "pro" });
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Two" } });
    expect((await call("GET", "/v1/contacts", { key: t.key })).body.pagination.total).toBe(2);
  });
});
