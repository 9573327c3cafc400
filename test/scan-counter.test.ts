import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { dbFor } from "../src/lib/db/client";
import type { ScanOrigin } from "../src/scans/scan-origin";
import { copyScans, newScan, type PendingScan } from "../src/scans/scans.data";
import type { ScanSource } from "../src/scans/scans.table";
import { call, expectError, newWorkspace, scansSettled } from "./helpers";

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

const at = (scan: PendingScan, scannedAt: string): PendingScan => ({ ...scan, scanned_at: scannedAt });
const scalar = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;
const scansInD1 = (profileId: string) => scalar("SELECT count(*) AS n FROM scans WHERE profile_id = ?", profileId);
const alarmOf = (profileId: string) => runInDurableObject(stubFor(profileId), (_object, state) => state.storage.getAlarm());

describe("ScanCounter Durable Object", () => {
  afterEach(() => vi.restoreAllMocks());

  it("counts 1,000 concurrent scans exactly, and its alarm copies every one to D1 in a few batches", async () => {
    const { profileId, workspaceId } = await publicProfile();
    const stub = stubFor(profileId);
    const sources = ["qr_scan", "web", "mcp"] as const;
    const batches = vi.spyOn(env.DB, "batch");
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => stub.record([newScan(profileId, sources[i % 3]!)])));
    // Every caller saw a different running total: each scan was counted once, in some order.
    const totals = results.map((r) => (r.recorded ? r.counts.total : 0)).sort((a, b) => a - b);
    expect(totals).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(await stub.counts()).toEqual({ total: 1000, qr_scan: 334, web: 333, mcp: 333 });
    await scansSettled(profileId);
    expect(await scalar("SELECT count(*) AS n FROM scans WHERE profile_id = ? AND workspace_id = ?", profileId, workspaceId)).toBe(1000);
    expect(
      await env.DB.prepare("SELECT scans_qr_scan AS q, scans_web AS w, scans_mcp AS m FROM profiles WHERE id = ?").bind(profileId).first(),
    ).toEqual({ q: 334, w: 333, m: 333 });
    // Copied in groups of at most 500: at least 2 batches, far fewer than 1,000.
    expect(batches.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(batches.mock.calls.length).toBeLessThan(200);
  });

  it("checks concurrent API scans a group at a time in D1: each caller gets its own running total; a private card, a revoked key and no profile are refused", async () => {
    const { profileId, workspaceId, key } = await publicProfile();
    expect((await call("PATCH", `/v1/profiles/${profileId}`, { key, body: { public: false } })).status).toBe(200);
    const stranger = await newWorkspace();
    const keyId = (await env.DB.prepare("SELECT id FROM api_keys WHERE workspace_id = ?").bind(workspaceId).first<{ id: string }>())!.id;
    const strangerKey = (await env.DB.prepare("SELECT id FROM api_keys WHERE workspace_id = ?")
      .bind(stranger.workspaceId)
      .first<{ id: string }>())!.id;
    const stub = stubFor(profileId);
    const prepare = vi.spyOn(env.DB, "prepare");
    const checks = () => prepare.mock.calls.filter(([text]) => text.includes("live_keys")).length;
    const own = Array.from({ length: 300 }, (_, i) => newScan(profileId, i % 2 ? "web" : "mcp", { caller: workspaceId }));
    const results = await Promise.all([
      ...own.map((scan) => stub.recordChecked({ scan, keyId })),
      // Another workspace's caller: the card is private to it.
      stub.recordChecked({ scan: newScan(profileId, "web", { caller: stranger.workspaceId }), keyId: strangerKey }),
    ]);
    const totals = results.flatMap((r) => (r.recorded ? [r.counts.total] : [])).sort((a, b) => a - b);
    expect(totals).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(results.at(-1)).toEqual({ recorded: false, keyLive: true });
    expect(results.slice(0, 300).every((r) => r.recorded && r.workspaceId === workspaceId && r.keyLive)).toBe(true);
    // A read per group (at most 100 each), none per scan: at least 4, and far below the 301 a read per
    // scan would make. How many scans share a read depends on how they arrive (a loaded CI machine
    // makes smaller groups; 20 reads were seen there), so the bound is five scans a read on average.
    expect(checks()).toBeGreaterThanOrEqual(4);
    expect(checks()).toBeLessThanOrEqual(60);
    prepare.mockRestore();
    expect(await stub.counts()).toEqual({ total: 300, qr_scan: 0, web: 150, mcp: 150 });
    await scansSettled(profileId);
    expect(await scansInD1(profileId)).toBe(300);

    await env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(new Date().toISOString(), keyId).run();
    expect(await stub.recordChecked({ scan: newScan(profileId, "web", { caller: workspaceId }), keyId })).toEqual({
      recorded: false,
      keyLive: false,
    });
    // Without a key to prove (the request looked its key up in D1 already), only the profile is checked.
    expect(await stub.recordChecked({ scan: newScan(profileId, "web", { caller: workspaceId }) })).toMatchObject({
      recorded: true,
      keyLive: true,
    });
    const ghost = "0190a8c4-0000-7000-8000-00000000cafe";
    expect(await stubFor(ghost).recordChecked({ scan: newScan(ghost, "web", { caller: workspaceId }) })).toEqual({
      recorded: false,
      keyLive: true,
    });
    expect(await stubFor(ghost).counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
    expect(await stub.counts()).toEqual({ total: 301, qr_scan: 0, web: 151, mcp: 150 });
  });

  it("keeps scans pending in its own storage while D1 fails, across an eviction, and copies them once D1 is back", async () => {
    const { profileId } = await publicProfile();
    const stub = stubFor(profileId);
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const failing = vi.spyOn(env.DB, "batch").mockRejectedValue(new Error("D1_ERROR: Network connection lost."));
    const scans = [newScan(profileId, "qr_scan", { referrer: "badge.example" }), newScan(profileId, "web"), newScan(profileId, "web")];
    expect(await stub.record(scans)).toEqual({ recorded: true, counts: { total: 3, qr_scan: 1, web: 2, mcp: 0 } });
    // The alarm fires, the copy fails, and a retry is set a second later.
    await vi.waitFor(() =>
      expect(log.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual({
        level: "error",
        msg: "scan copy failed",
        profile_id: profileId,
        pending: 3,
        retry_in_ms: 1000,
        error: "Error: D1_ERROR: Network connection lost.",
      }),
    );
    const retry = await alarmOf(profileId);
    expect(retry).toBeGreaterThan(Date.now());
    expect(retry).toBeLessThanOrEqual(Date.now() + 1000);
    expect([await stub.pending(), await scansInD1(profileId)]).toEqual([3, 0]);
    // A fresh instance reads the pending scans and the counts back from storage.
    await evictDurableObject(stub);
    expect(await stub.counts()).toEqual({ total: 3, qr_scan: 1, web: 2, mcp: 0 });
    expect(await stub.pending()).toBe(3);
    failing.mockRestore();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect([await stub.pending(), await scansInD1(profileId)]).toEqual([0, 3]);
    const copied = await env.DB.prepare("SELECT id, source, referrer, scanned_at FROM scans WHERE profile_id = ? ORDER BY id")
      .bind(profileId)
      .all();
    expect(copied.results).toEqual(
      scans
        .map((s) => ({ id: s.id, source: s.source, referrer: s.referrer, scanned_at: s.scanned_at }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(await alarmOf(profileId)).toBeNull();
  });

  it("drops, and uncounts, a public scan made after its profile went private; one made before, and the owner's own, are kept", async () => {
    const { profileId, workspaceId } = await publicProfile();
    const stub = stubFor(profileId);
    const now = Date.now();
    const before = at(newScan(profileId, "qr_scan"), new Date(now - 1000).toISOString());
    await env.DB.prepare("UPDATE profiles SET public = 0, updated_at = ? WHERE id = ?")
      .bind(new Date(now - 500).toISOString(), profileId)
      .run();
    const after = newScan(profileId, "web", { origin: { country: "JP", device: "tablet" } });
    const own = newScan(profileId, "mcp", { caller: workspaceId });
    expect(await stub.record([before, after, own])).toEqual({ recorded: true, counts: { total: 3, qr_scan: 1, web: 1, mcp: 1 } });
    await scansSettled(profileId);
    expect(await stub.counts()).toEqual({ total: 2, qr_scan: 1, web: 0, mcp: 1 });
    const stats = await stub.stats({ from: before.scanned_at.slice(0, 10), to: own.scanned_at.slice(0, 10) });
    expect([stats.by_country, stats.by_device]).toEqual([{ XX: 2 }, { mobile: 0, tablet: 0, desktop: 0, other: 2 }]);
    const copied = await env.DB.prepare("SELECT id FROM scans WHERE profile_id = ? ORDER BY id").bind(profileId).all();
    expect(copied.results).toEqual([{ id: before.id }, { id: own.id }].sort((a, b) => a.id.localeCompare(b.id)));
  });

  it("writes each scan and its webhook event once, however often a copy is retried", async () => {
    const { profileId, workspaceId, key } = await publicProfile();
    const hook = await call("POST", "/v1/webhooks", { key, body: { url: "https://receiver.example/scans", events: ["scan.recorded"] } });
    expect(hook.status).toBe(201);
    const pending = JSON.stringify([newScan(profileId, "qr_scan")]);
    // The first copy's answer lost on its way back: the same scans are copied again.
    for (let i = 0; i < 2; i++)
      expect(await copyScans(dbFor(env.DB), profileId, pending)).toMatchObject({ refused: [], profileGone: false });
    expect(await scansInD1(profileId)).toBe(1);
    expect(await scalar("SELECT scans_qr_scan AS n FROM profiles WHERE id = ?", profileId)).toBe(1);
    expect(await scalar("SELECT count(*) AS n FROM webhook_events WHERE workspace_id = ? AND type = 'scan.recorded'", workspaceId)).toBe(1);
  });

  it("counts per UTC day, source, country and device, and leads per day, with every day of the range present", async () => {
    const { profileId } = await publicProfile();
    const stub = stubFor(profileId);
    const scan = (source: ScanSource, origin: ScanOrigin, scannedAt: string) => at(newScan(profileId, source, { origin }), scannedAt);
    await stub.record([
      scan("qr_scan", { country: "DE", device: "mobile" }, "2026-11-01T08:00:00.000Z"),
      scan("qr_scan", { country: "DE", device: "mobile" }, "2026-11-01T23:59:59.999Z"),
    ]);
    await stub.record([
      scan("web", { country: "FR", device: "desktop" }, "2026-11-02T00:00:00.000Z"),
      scan("web", { country: "US", device: "tablet" }, "2026-11-02T10:00:00.000Z"),
      scan("mcp", { country: "XX", device: "other" }, "2026-11-02T11:00:00.000Z"),
    ]);
    // Before the range: in the totals only.
    await stub.record([scan("mcp", { country: "US", device: "desktop" }, "2026-09-01T10:00:00.000Z")]);
    await stub.countLead({ captured_at: "2026-10-30T12:00:00.000Z", country: "DE", device: "mobile" });
    await stub.countLead({ captured_at: "2026-11-01T12:00:00.000Z", country: "DE", device: "mobile" });
    await stub.countLead({ captured_at: "2026-11-03T09:00:00.000Z", country: "FR", device: "desktop" });
    const day = (date: string, counts: Partial<Record<"total" | ScanSource | "leads", number>> = {}) => ({
      date,
      ...{ total: 0, qr_scan: 0, web: 0, mcp: 0, leads: 0 },
      ...counts,
    });
    const stats = await stub.stats({ from: "2026-10-31", to: "2026-11-03" });
    expect(stats).toEqual({
      total: 6,
      by_source: { qr_scan: 2, web: 2, mcp: 2 },
      by_country: { DE: 2, FR: 1, US: 1, XX: 1 },
      by_device: { mobile: 2, tablet: 1, desktop: 1, other: 1 },
      by_day: [
        day("2026-10-31"),
        day("2026-11-01", { total: 2, qr_scan: 2, leads: 1 }),
        day("2026-11-02", { total: 3, web: 2, mcp: 1 }),
        day("2026-11-03", { leads: 1 }),
      ],
    });
    // Most first, ties by code.
    expect(Object.keys(stats.by_country)).toEqual(["DE", "FR", "US", "XX"]);
    const oneDay = await stub.stats({ from: "2026-09-01", to: "2026-09-01" });
    expect([oneDay.by_country, oneDay.by_day]).toEqual([{ US: 1 }, [day("2026-09-01", { total: 1, mcp: 1 })]]);
    const year = await stub.stats({ from: "2025-11-03", to: "2026-11-03" });
    expect(year.by_day).toHaveLength(366);
    expect(year.by_day[0]!.date).toBe("2025-11-03");
    expect(year.by_day.reduce((n, d) => n + d.total, 0)).toBe(6);
    expect(year.by_day.reduce((n, d) => n + d.leads, 0)).toBe(3);
  });

  it("moves an older object's counts per day and source into its tallies (country XX, device other) and copies its pending scans", async () => {
    const { profileId, key } = await publicProfile();
    const stub = stubFor(profileId);
    const today = new Date().toISOString().slice(0, 10);
    // A scan pending as it was kept before scans had an origin.
    const { country: _c, device: _d, ...old } = newScan(profileId, "web");
    await runInDurableObject(stub, async (_object, state) => {
      const sql = state.storage.sql;
      sql.exec(
        "CREATE TABLE daily (day TEXT NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, source)) WITHOUT ROWID",
      );
      sql.exec("CREATE TABLE pending (id TEXT PRIMARY KEY, scan TEXT NOT NULL)");
      sql.exec("INSERT INTO daily VALUES ('2026-11-01', 'qr_scan', 3), ('2026-11-01', 'web', 1), (?, 'web', 1)", today);
      sql.exec("INSERT INTO pending VALUES (?, ?)", old.id, JSON.stringify(old));
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await stub.counts()).toEqual({ total: 5, qr_scan: 3, web: 2, mcp: 0 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.pending()).toBe(0);
    const listed = await call("GET", `/v1/contacts/scans?profile_id=${profileId}`, { key });
    expect(listed.body.data).toEqual([
      { id: old.id, profile_id: profileId, source: "web", referrer: null, country: "XX", device: "other", scanned_at: old.scanned_at },
    ]);
    await stub.record([newScan(profileId, "qr_scan", { origin: { country: "JP", device: "mobile" } })]);
    const stats = await stub.stats({ from: "2026-11-01", to: "2026-11-01" });
    expect([stats.total, stats.by_country, stats.by_device]).toEqual([6, { XX: 4 }, { mobile: 0, tablet: 0, desktop: 0, other: 4 }]);
    expect((await stub.stats({ from: today, to: today })).by_country).toEqual({ JP: 1, XX: 1 });
    const tables = await runInDurableObject(stub, (_object, state) =>
      state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('daily', 'pending', 'tallies') ORDER BY name",
        )
        .toArray(),
    );
    expect(tables.map((t) => t.name)).toEqual(["pending", "tallies"]);
  });

  it("keeps its counts across a new stub; clear() forgets them, pending scans too, and refuses scans from then on", async () => {
    const { profileId } = await publicProfile();
    await stubFor(profileId).record([newScan(profileId, "web")]);
    await stubFor(profileId).record([newScan(profileId, "web")]);
    expect((await stubFor(profileId).counts()).total).toBe(2);
    await stubFor(profileId).clear();
    expect(await stubFor(profileId).counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
    expect([await stubFor(profileId).pending(), await alarmOf(profileId)]).toEqual([0, null]);
    expect(await stubFor(profileId).record([newScan(profileId, "qr_scan")])).toEqual({ recorded: false });
    await evictDurableObject(stubFor(profileId));
    expect(await stubFor(profileId).record([newScan(profileId, "qr_scan")])).toEqual({ recorded: false });
    expect(await stubFor(profileId).counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
  });

  it("forgets its pending scans when the copy finds the profile deleted", async () => {
    const { profileId } = await publicProfile();
    const stub = stubFor(profileId);
    await env.DB.prepare("DELETE FROM profiles WHERE id = ?").bind(profileId).run();
    await stub.record([newScan(profileId, "web")]);
    await vi.waitFor(async () => expect(await stub.pending()).toBe(0));
    expect(await stub.counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
    expect(await stub.record([newScan(profileId, "web")])).toEqual({ recorded: false });
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
    expect(await stub.stats({ from: "2026-11-01", to: "2026-11-02" })).toEqual({
      total: 0,
      by_source: { qr_scan: 0, web: 0, mcp: 0 },
      by_country: {},
      by_device: { mobile: 0, tablet: 0, desktop: 0, other: 0 },
      by_day: ["2026-11-01", "2026-11-02"].map((date) => ({ date, total: 0, qr_scan: 0, web: 0, mcp: 0, leads: 0 })),
    });
    const tables = await runInDurableObject(stub, (_object, state) => state.storage.sql.exec("SELECT name FROM sqlite_master").toArray());
    expect(tables).toEqual([]);
  });
});
