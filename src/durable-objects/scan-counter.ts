import { DurableObject } from "cloudflare:workers";

export const SCAN_SOURCES = ["qr_scan", "web", "mcp"] as const;
export type ScanSource = (typeof SCAN_SOURCES)[number];

export interface ScanCounts {
  total: number;
  qr_scan: number;
  web: number;
  mcp: number;
}

export interface ScanStats {
  total: number;
  by_source: Record<ScanSource, number>;
  by_day: { date: string; count: number }[];
}

const STATS_DAYS = 30;

/**
 * One profile's scan counts: total, per source and per UTC day. One object per profile id, so a
 * profile's counts are exact under any concurrency (each RPC call runs alone) and survive
 * restarts (SQLite storage).
 */
export class ScanCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createSchema();
  }

  private createSchema() {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS daily (
      day TEXT NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (day, source)
    ) WITHOUT ROWID`);
  }

  /** Counts one scan at `at` (ISO time) and answers the counts after it. */
  record(source: ScanSource, at: string): ScanCounts {
    this.sql.exec(
      "INSERT INTO daily (day, source, count) VALUES (?, ?, 1) ON CONFLICT (day, source) DO UPDATE SET count = count + 1",
      at.slice(0, 10),
      source,
    );
    return this.counts();
  }

  counts(): ScanCounts {
    const counts: ScanCounts = { total: 0, qr_scan: 0, web: 0, mcp: 0 };
    for (const row of this.sql.exec<{ source: ScanSource; n: number }>("SELECT source, sum(count) AS n FROM daily GROUP BY source")) {
      counts[row.source] = row.n;
      counts.total += row.n;
    }
    return counts;
  }

  /** Totals, and one entry per UTC day for the 30 days ending `today` (zeros included). */
  stats(today: string): ScanStats {
    const { total, ...bySource } = this.counts();
    const end = Date.parse(`${today.slice(0, 10)}T00:00:00.000Z`);
    const days = Array.from({ length: STATS_DAYS }, (_, i) => new Date(end - (STATS_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
    const perDay = new Map<string, number>();
    for (const row of this.sql.exec<{ day: string; n: number }>(
      "SELECT day, sum(count) AS n FROM daily WHERE day >= ? GROUP BY day",
      days[0]!,
    )) {
      perDay.set(row.day, row.n);
    }
    return { total, by_source: bySource, by_day: days.map((date) => ({ date, count: perDay.get(date) ?? 0 })) };
  }

  /** Forgets everything (the profile was deleted). */
  async clear(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.createSchema();
  }
}
