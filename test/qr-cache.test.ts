import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, newWorkspace, scansSettled, visit } from "./helpers";

let seq = 0;
const handle = () => `qr-cache-${Date.now() % 1e6}-${++seq}`;
const scansOf = async (profileId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM scans WHERE profile_id = ?").bind(profileId).first<{ n: number }>())!.n;
const countsOf = (profileId: string) => env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(profileId)).counts();

/**
 * `/q` remembers where a handle led and redirects without waiting for anything; these prove the
 * memory never outlives what it stands for.
 */
describe("/q/{handle} with the isolate's handle cache", () => {
  it("leads to a 404 card at once when the card goes private, and counts nothing more", async () => {
    const t = await newWorkspace();
    const h = handle();
    const p = (await call("POST", "/v1/profiles", { key: t.key, body: { handle: h, name: "Radia Perlman" } })).body;
    const first = await visit(`/q/${h}`);
    expect([first.status, first.headers.get("location")]).toEqual([302, `/p/${h}?via=qr`]);
    await call("PATCH", `/v1/profiles/${p.id}`, { key: t.key, body: { public: false } });
    // The cached redirect answers without a read; the card behind it reads the profile afresh.
    const after = await visit(`/q/${h}`);
    expect([after.status, after.headers.get("location")]).toEqual([302, `/p/${h}?via=qr`]);
    const card = await visit(`/p/${h}`);
    expect(card.status).toBe(404);
    expect(card.headers.get("content-type")).toMatch(/^text\/html/);
    expect(card.text).toContain("Card not found");
    // The second scan reached the counter, and was dropped when it was copied to D1.
    await scansSettled(p.id);
    expect(await scansOf(p.id)).toBe(1);
    expect(await countsOf(p.id)).toEqual({ total: 1, qr_scan: 1, web: 0, mcp: 0 });
  });

  it("counts a scan for the handle's new profile after the old one is deleted", async () => {
    const t = await newWorkspace();
    const h = handle();
    const old = (await call("POST", "/v1/profiles", { key: t.key, body: { handle: h, name: "Old Card" } })).body;
    expect((await visit(`/q/${h}`)).status).toBe(302);
    expect((await call("DELETE", `/v1/profiles/${old.id}`, { key: t.key })).status).toBe(200);
    const other = await newWorkspace();
    const fresh = await call("POST", "/v1/profiles", { key: other.key, body: { handle: h, name: "New Card" } });
    expect(fresh.status).toBe(201);
    const res = await visit(`/q/${h}`);
    expect([res.status, res.headers.get("location")]).toEqual([302, `/p/${h}?via=qr`]);
    await scansSettled(fresh.body.id);
    expect(await scansOf(fresh.body.id)).toBe(1);
    const stats = await call("GET", `/v1/profiles/${fresh.body.id}/stats`, { key: other.key });
    expect(stats.body).toMatchObject({ total: 1, by_source: { qr_scan: 1, web: 0, mcp: 0 } });
    expect(await countsOf(old.id)).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
  });
});
