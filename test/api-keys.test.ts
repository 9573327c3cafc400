import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, expectError, expectKeyRefused, ISO_MS, newWorkspace, UUID } from "./helpers";

const ALL = ["contacts:read", "contacts:write", "webhooks:manage", "keys:manage"];

describe("admin provisioning", () => {
  it("creates a workspace with an all-permission key shown once and stored only as a hash", async () => {
    const res = await call("POST", "/admin/workspaces", { headers: ADMIN, body: { name: "Acme", plan: "free" } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      workspace: {
        id: expect.stringMatching(UUID),
        name: "Acme",
        plan: "free",
        created_at: expect.stringMatching(ISO_MS),
        updated_at: expect.stringMatching(ISO_MS),
      },
      api_key: {
        id: expect.stringMatching(UUID),
        name: "Initial key",
        key: expect.stringMatching(/^cbx_[0-9A-Za-z]{40}$/),
        prefix: res.body.api_key.key.slice(0, 12),
        permissions: ALL,
        created_at: expect.stringMatching(ISO_MS),
        last_used_at: null,
      },
    });
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(res.body.api_key.id).first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(res.body.api_key.key);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(res.body.api_key.key));
    expect(row!.key_hash).toBe([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""));
  });

  it("refuses a missing or wrong admin token, and bad bodies", async () => {
    const missing = await call("POST", "/admin/workspaces", { body: { name: "x" } });
    expectError(missing, 401, "unauthorized", "Missing admin token");
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="cardbox-admin"');
    const wrong = await call("POST", "/admin/workspaces", { headers: { Authorization: "Bearer nope" }, body: { name: "x" } });
    expectError(wrong, 401, "unauthorized", "Invalid admin token");
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="cardbox-admin", error="invalid_token"');
    expectError(
      await call("POST", "/admin/workspaces", { headers: ADMIN, body: { name: "x", plan: "gold" } }),
      400,
      "validation_failed",
      "plan must be one of free, pro, business",
    );
    expectError(
      await call("PATCH", "/admin/workspaces/7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6", { headers: ADMIN, body: { name: "y" } }),
      404,
      "not_found",
      "Workspace not found",
    );
  });

  it("renames, mints a recovery key, and deletes a workspace with everything in it", async () => {
    const t = await newWorkspace("free");
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Gone", tags: ["x"] } });
    const renamed = await call("PATCH", `/admin/workspaces/${t.workspaceId}`, { headers: ADMIN, body: { name: "Renamed" } });
    expect(renamed.body).toMatchObject({ id: t.workspaceId, name: "Renamed", plan: "free" });
    // A recovery key holds every permission: asked for fewer, the mint is refused rather than ignore the ask.
    const keysBefore = await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE workspace_id = ?")
      .bind(t.workspaceId)
      .first<{ n: number }>();
    expectError(
      await call("POST", `/admin/workspaces/${t.workspaceId}/api-keys`, {
        headers: ADMIN,
        body: { name: "ops", permissions: ["contacts:read"] },
      }),
      400,
      "validation_failed",
      "name is not a known field; permissions is not a known field",
    );
    expectError(
      await call("POST", `/admin/workspaces/${t.workspaceId}/api-keys`, {
        raw: "{oops",
        headers: { ...ADMIN, "content-type": "application/json" },
      }),
      400,
      "bad_request",
      "Malformed JSON in request body",
    );
    expect(await env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE workspace_id = ?").bind(t.workspaceId).first()).toEqual(
      keysBefore,
    );
    const minted = await call("POST", `/admin/workspaces/${t.workspaceId}/api-keys`, { headers: ADMIN, body: {} });
    expect(minted.status).toBe(201);
    expect(minted.body.permissions).toEqual(ALL);
    expect((await call("GET", "/v1/me", { key: minted.body.key })).body.workspace.name).toBe("Renamed");
    // Its rows in the search index: the range of keys under its number.
    const { number } = (await env.DB.prepare("SELECT number FROM workspaces WHERE id = ?")
      .bind(t.workspaceId)
      .first<{ number: number }>())!;
    const searchRows = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM contacts_fts WHERE rowid BETWEEN ?1 << 32 AND (?1 << 32) + 4294967295")
        .bind(number)
        .first<{ n: number }>())!.n;
    expect(await searchRows()).toBe(1);
    const deleted = await call("DELETE", `/admin/workspaces/${t.workspaceId}`, { headers: ADMIN });
    expect(deleted.body).toEqual({ success: true, id: t.workspaceId });
    expectKeyRefused(await call("GET", "/v1/me", { key: t.key }), "Invalid API key");
    for (const table of ["contacts", "contact_tags", "api_keys"]) {
      const left = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ?`)
        .bind(t.workspaceId)
        .first<{ n: number }>();
      expect(left!.n).toBe(0);
    }
    expect(await searchRows()).toBe(0);
    // The next workspace made is given the number again (one more than any other's); it starts empty.
    const next = await newWorkspace();
    expect(
      (await env.DB.prepare("SELECT number FROM workspaces WHERE id = ?").bind(next.workspaceId).first<{ number: number }>())!.number,
    ).toBe(number);
    expect((await call("GET", "/v1/contacts?q=gone", { key: next.key })).body).toEqual({
      data: [],
      pagination: { page: 1, limit: 25, total: 0, total_exact: true, next_cursor: null },
    });
  });
});

describe("API keys", () => {
  it("creates, lists and revokes keys; a revoked key answers 401 at once", async () => {
    const t = await newWorkspace();
    const created = await call("POST", "/v1/api-keys", { key: t.key, body: { name: "Reader", permissions: ["contacts:read"] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      name: "Reader",
      key: expect.stringMatching(/^cbx_[0-9A-Za-z]{40}$/),
      prefix: created.body.key.slice(0, 12),
      permissions: ["contacts:read"],
      created_at: expect.stringMatching(ISO_MS),
      last_used_at: null,
    });
    expect((await call("GET", "/v1/contacts", { headers: { Authorization: `Bearer ${created.body.key}` } })).status).toBe(200);
    const list = await call("GET", "/v1/api-keys", { key: t.key });
    expect(list.body.pagination).toEqual({ page: 1, limit: 25, total: 2, total_exact: true, next_cursor: null });
    const { key: _shownOnce, ...listed } = created.body;
    expect(list.body.data[0]).toEqual({ ...listed, last_used_at: expect.stringMatching(ISO_MS) });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    const revoked = await call("DELETE", `/v1/api-keys/${created.body.id}`, { key: t.key });
    expect(revoked.body).toEqual({ success: true, id: created.body.id });
    expectKeyRefused(await call("GET", "/v1/contacts", { key: created.body.key }), "Invalid API key");
    expectError(await call("DELETE", `/v1/api-keys/${created.body.id}`, { key: t.key }), 404, "not_found", "API key not found");
    expect((await call("GET", "/v1/api-keys", { key: t.key })).body.pagination.total).toBe(1);
  });

  it("GET /v1/me names the workspace and the calling key", async () => {
    const t = await newWorkspace("pro");
    const me = await call("GET", "/v1/me", { key: t.key });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      workspace: { id: t.workspaceId, name: expect.any(String), plan: "pro" },
      api_key: { id: expect.stringMatching(UUID), name: "Initial key", prefix: t.key.slice(0, 12), permissions: ALL },
    });
    expectKeyRefused(await call("GET", "/v1/me"), "Missing API key");
    expectKeyRefused(await call("GET", "/v1/me", { headers: { Authorization: "Bearer cbx_wrong" } }), "Invalid API key");
  });

  it("refuses key bodies with unknown permissions or no name", async () => {
    const t = await newWorkspace();
    expectError(
      await call("POST", "/v1/api-keys", { key: t.key, body: { name: "x", permissions: ["admin"] } }),
      400,
      "validation_failed",
      /permissions.0 must be one of/,
    );
    expectError(
      await call("POST", "/v1/api-keys", { key: t.key, body: { permissions: ["contacts:read"] } }),
      400,
      "validation_failed",
      "name is required",
    );
  });
});
