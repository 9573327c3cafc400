import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, expectError, newWorkspace } from "./helpers";

const fill = async (key: string, n: number, prefix: string) => {
  for (let i = 0; i < n; i += 100) {
    const size = Math.min(100, n - i);
    const res = await call("POST", "/v1/contacts/batch", {
      key,
      body: { contacts: Array.from({ length: size }, (_, j) => ({ first_name: `${prefix}${i + j}` })) },
    });
    expect(res.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
  }
};

describe("plan limits", () => {
  it("50 concurrent creates against 10 remaining slots make exactly 10 contacts", async () => {
    const t = await newWorkspace("free");
    await fill(t.key, 90, "Seed");
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call("POST", "/v1/contacts", { key: t.key, body: { first_name: `Racer${i}` } })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 403)).toHaveLength(40);
    for (const refused of answers.filter((a) => a.status === 403)) {
      expectError(refused, 403, "contact_limit_reached", "Contact limit reached for this workspace's plan");
    }
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?")
      .bind(t.workspaceId)
      .first<{ n: number }>();
    expect(stored!.n).toBe(100);
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body).toEqual({ plan: "free", limit: 100, used: 100, remaining: 0 });
  });

  it("applies on every create path: batch items, upsert creates; deleting frees a slot; upgrading lifts it", async () => {
    const t = await newWorkspace("free");
    await fill(t.key, 99, "Seed");
    const batch = await call("POST", "/v1/contacts/batch", {
      key: t.key,
      body: { contacts: [{ first_name: "Last" }, { first_name: "Over" }] },
    });
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 403]);
    expect(batch.body.results[1].error.code).toBe("contact_limit_reached");
    const upsert = await call("POST", "/v1/contacts/upsert", { key: t.key, body: { first_name: "U", email: "u@x.example" } });
    expectError(upsert, 403, "contact_limit_reached");
    await call("DELETE", `/v1/contacts/${batch.body.results[0].contact.id}`, { key: t.key });
    expect((await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Freed" } })).status).toBe(201);
    expectError(await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Full" } }), 403, "contact_limit_reached");
    const upgraded = await call("PATCH", `/admin/workspaces/${t.workspaceId}`, { headers: ADMIN, body: { plan: "pro" } });
    expect(upgraded.body.plan).toBe("pro");
    expect((await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Pro" } })).status).toBe(201);
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body).toEqual({
      plan: "pro",
      limit: 10000,
      used: 101,
      remaining: 9899,
    });
  });

  it("downgrading below the current count reports remaining 0, never negative", async () => {
    const t = await newWorkspace("pro");
    await fill(t.key, 101, "P");
    await call("PATCH", `/admin/workspaces/${t.workspaceId}`, { headers: ADMIN, body: { plan: "free" } });
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body).toEqual({ plan: "free", limit: 100, used: 101, remaining: 0 });
  });
});
