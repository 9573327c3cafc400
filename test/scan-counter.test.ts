import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newScan, type ScanToRecord } from "../src/scans/scans.data";
import { call, expectError, newWorkspace } from "./helpers";

const stubFor = (profileId: string) => env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(profileId));

let handles = 0;
async function publicProfile() {
  const t = await newWorkspace();
  const res = await call("POST", "/v1/profiles", {
    key: t.key,
    body: { handle: `counter-${Date.now() % 1e6}-${++handles}`, name: "Grace Hopper" },
  });
  expect(res.status).toBe(201);
  return { ...t, profileId: res.body.id as string };
}

const at = (scan: ScanToRecord, scannedAt: string): ScanToRecord => ({ ...scan, scannedAt });
const scalar = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;

describe("ScanCounter Durable Object", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes 1,000 concurrent scans to D1 in a few grouped batches and counts them exactly", async () => {
    const { profileId, workspaceId } = await publicProfile();
    const stub = stubFor(profileId);
    const sources = ["qr_scan", "web", "mcp"] as const;
    const batches = vi.spyOn(env.DB, "batch");
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => stub.record(newScan(profileId, sources[i % 3]!, null))));
    expect(results.every((r) => r.recorded && r.keyLive)).toBe(true);
    // Every caller saw a different running total: each scan was counted once, in some order.
    const totals = results.map((r) => (r.recorded ? r.counts.total : 0)).sort((a, b) => a - b);
    expect(totals).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(await stub.counts()).toEqual({ total: 1000, qr_scan: 334, web: 333, mcp: 333 });
    expect(await scalar("SELECT count(*) AS n FROM scans WHERE profile_id = ? AND workspace_id = ?", profileId, workspaceId)).toBe(1000);
    expect(
      await env.DB.prepare("SELECT scans_qr_scan AS q, scans_web AS w, scans_mcp AS m FROM profiles WHERE id = ?").bind(profileId).first(),
    ).toEqual({ q: 334, w: 333, m: 333 });
    // 1,000 scans in groups of at most 50: at least 20 batches, far fewer than 1,000.
    expect(batches.mock.calls.length).toBeGreaterThanOrEqual(20);
    expect(batches.mock.calls.length).toBeLessThan(200);
  });

  it("records nothing for a profile that is private to someone else, gone, or behind a revoked key", async () => {
    const { profileId, workspaceId, key } = await publicProfile();
    const stranger = await newWorkspace();
    await call("PATCH", `/v1/profiles/${profileId}`, { key, body: { public: false } });
    const strangerKey = (await call("GET", "/v1/me", { key: stranger.key })).body.api_key.id;
    const ownerKey = (await call("GET", "/v1/me", { key })).body.api_key.id;
    const stub = stubFor(profileId);
    expect(await stub.record(newScan(profileId, "web", null))).toEqual({ recorded: false, keyLive: true });
    expect(await stub.record(newScan(profileId, "web", null, { workspaceId: stranger.workspaceId, apiKeyId: strangerKey }))).toEqual({
      recorded: false,
      keyLive: true,
    });
    const own = await stub.record(newScan(profileId, "mcp", null, { workspaceId, apiKeyId: ownerKey }));
    expect(own).toMatchObject({ recorded: true, keyLive: true, counts: { total: 1, qr_scan: 0, web: 0, mcp: 1 } });
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(new Date().toISOString(), ownerKey).run();
    expect(await stub.record(newScan(profileId, "mcp", null, { workspaceId, apiKeyId: ownerKey }))).toEqual({
      recorded: false,
      keyLive: false,
    });
    expect(await stub.record(newScan("0190a8c4-0000-7000-8000-00000000dead", "web", null))).toEqual({ recorded: false, keyLive: true });
    expect(await scalar("SELECT count(*) AS n FROM scans WHERE profile_id = ?", profileId)).toBe(1);
    expect(await stub.counts()).toEqual({ total: 1, qr_scan: 0, web: 0, mcp: 1 });
  });

  it("counts by source and by UTC day, with 30 days of zeros filled in", async () => {
    const { profileId } = await publicProfile();
    const stub = stubFor(profileId);
    await stub.record(at(newScan(profileId, "qr_scan", null), "2026-11-01T23:59:59.999Z"));
    await stub.record(at(newScan(profileId, "web", null), "2026-11-02T00:00:00.000Z"));
    await stub.record(at(newScan(profileId, "web", null), "2026-11-02T10:00:00.000Z"));
    await stub.record(at(newScan(profileId, "mcp", null), "2026-09-01T10:00:00.000Z")); // older than the window: in totals only
    const stats = await stub.stats("2026-11-02T15:00:00.000Z");
    expect(stats.total).toBe(4);
    expect(stats.by_source).toEqual({ qr_scan: 1, web: 2, mcp: 1 });
    expect(stats.by_day).toHaveLength(30);
    expect(stats.by_day[0]).toEqual({ date: "2026-10-04", count: 0 });
    expect(stats.by_day.at(-2)).toEqual({ date: "2026-11-01", count: 1 });
    expect(stats.by_day.at(-1)).toEqual({ date: "2026-11-02", count: 2 });
    expect(stats.by_day.reduce((n, d) => n + d.count, 0)).toBe(3);
  });

  it("keeps its counts across a new stub, and clear() forgets them", async () => {
    const { profileId } = await publicProfile();
    await stubFor(profileId).record(newScan(profileId, "web", null));
    await stubFor(profileId).record(newScan(profileId, "web", null));
    expect((await stubFor(profileId).counts()).total).toBe(2);
    await stubFor(profileId).clear();
    expect(await stubFor(profileId).counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
    // Counting starts again from nothing.
    const again = await stubFor(profileId).record(newScan(profileId, "qr_scan", null));
    expect(again).toMatchObject({ recorded: true, counts: { total: 1, qr_scan: 1, web: 0, mcp: 0 } });
  });

  it("keeps no storage for an id that is no profile", async () => {
    const t = await newWorkspace();
    const ghost = "0190a8c4-0000-7000-8000-00000000beef";
    expectError(
      await call("POST", "/v1/contacts/scans", { key: t.key, body: { profile_id: ghost, source: "web" } }),
      404,
      "not_found",
      "Profile not found",
    );
    const stub = stubFor(ghost);
    expect(await stub.counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
    const stats = await stub.stats("2026-11-02T15:00:00.000Z");
    expect([stats.total, stats.by_day.length, stats.by_day.every((d) => d.count === 0)]).toEqual([0, 30, true]);
    const tables = await runInDurableObject(stub, (_object, state) => state.storage.sql.exec("SELECT name FROM sqlite_master").toArray());
    expect(tables).toEqual([]);
  });
});
