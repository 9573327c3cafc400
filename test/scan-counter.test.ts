import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const stubFor = (name: string) => env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(name));

describe("ScanCounter Durable Object", () => {
  it("counts 1,000 concurrent scans exactly", async () => {
    const stub = stubFor("profile-concurrency");
    const sources = ["qr_scan", "web", "mcp"] as const;
    await Promise.all(Array.from({ length: 1000 }, (_, i) => stub.record(sources[i % 3]!, "2026-11-20T12:00:00.000Z")));
    expect(await stub.counts()).toEqual({ total: 1000, qr_scan: 334, web: 333, mcp: 333 });
  });

  it("counts by source and by UTC day, with 30 days of zeros filled in", async () => {
    const stub = stubFor("profile-days");
    await stub.record("qr_scan", "2026-11-01T23:59:59.999Z");
    await stub.record("web", "2026-11-02T00:00:00.000Z");
    await stub.record("web", "2026-11-02T10:00:00.000Z");
    await stub.record("mcp", "2026-09-01T10:00:00.000Z"); // older than the window: in totals only
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
    await stubFor("profile-durable").record("web", "2026-11-20T08:00:00.000Z");
    await stubFor("profile-durable").record("web", "2026-11-20T09:00:00.000Z");
    expect((await stubFor("profile-durable").counts()).total).toBe(2);
    await stubFor("profile-durable").clear();
    expect(await stubFor("profile-durable").counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
  });
});
