import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "./helpers";

const PHONE = { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148" };
let seq = 0;
const handle = () => `qr-cache-${Date.now() % 1e6}-${++seq}`;
const scansOf = async (profileId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM scans WHERE profile_id = ?").bind(profileId).first<{ n: number }>())!.n;

/** `/q` remembers where a handle led; these prove the memory never outlives what it stands for. */
describe("/q/{handle} with the isolate's handle cache", () => {
  it("stops at once when the card goes private, and counts nothing", async () => {
    const t = await newWorkspace();
    const h = handle();
    const p = (await call("POST", "/v1/profiles", { key: t.key, body: { handle: h, name: "Radia Perlman" } })).body;
    const first = await call("GET", `/q/${h}`, { headers: PHONE });
    expect([first.status, first.headers.get("location")]).toEqual([302, `/p/${h}`]);
    await call("PATCH", `/v1/profiles/${p.id}`, { key: t.key, body: { public: false } });
    const after = await call("GET", `/q/${h}`, { headers: PHONE });
    expect(after.status).toBe(404);
    expect(after.headers.get("content-type")).toMatch(/^text\/html/);
    expect(after.text).toContain("Card not found");
    expect(await scansOf(p.id)).toBe(1);
  });

  it("follows a handle to its new profile after the old one is deleted", async () => {
    const t = await newWorkspace();
    const h = handle();
    const old = (await call("POST", "/v1/profiles", { key: t.key, body: { handle: h, name: "Old Card" } })).body;
    expect((await call("GET", `/q/${h}`, { headers: PHONE })).status).toBe(302);
    expect((await call("DELETE", `/v1/profiles/${old.id}`, { key: t.key })).status).toBe(200);
    const other = await newWorkspace();
    const fresh = await call("POST", "/v1/profiles", { key: other.key, body: { handle: h, name: "New Card" } });
    expect(fresh.status).toBe(201);
    const res = await call("GET", `/q/${h}`, { headers: PHONE });
    expect([res.status, res.headers.get("location")]).toEqual([302, `/p/${h}`]);
    expect(await scansOf(fresh.body.id)).toBe(1);
    const stats = await call("GET", `/v1/profiles/${fresh.body.id}/stats`, { key: other.key });
    expect(stats.body).toMatchObject({ total: 1, by_source: { qr_scan: 1, web: 0, mcp: 0 } });
  });
});
