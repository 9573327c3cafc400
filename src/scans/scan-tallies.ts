import type { ScanOrigin } from "./scan-origin";
import { DEVICES, type Device, type ScanSource } from "./scans.table";
import { daysOf, type StatsRange } from "./stats-range";

/**
 * A profile's tallies in its ScanCounter's SQLite (`tallies`): one count per UTC day, kind (a scan
 * source, or `lead`), country and device class. What the stats are read from.
 */

export interface ScanCounts {
  total: number;
  qr_scan: number;
  web: number;
  mcp: number;
}

/** One UTC day of a profile: its scans in all and per source, and the leads captured on its form. */
export interface StatsDay extends ScanCounts {
  date: string;
  leads: number;
}

export interface ScanStats {
  /** Scans over the profile's life. */
  total: number;
  by_source: Record<ScanSource, number>;
  /** The range's scans per country, most first. */
  by_country: Record<string, number>;
  /** The range's scans per device class. */
  by_device: Record<Device, number>;
  /** Every day of the range, oldest first. */
  by_day: StatsDay[];
}

/** A lead captured on the profile's card: when, and where from. */
export interface LeadTally extends ScanOrigin {
  captured_at: string;
}

/** What a row of `tallies` counts: the scans of one source, or leads. */
export type TallyKind = ScanSource | "lead";

/** Adds `n` to one day's count of a kind, from one country and device class. */
export function addTally(sql: SqlStorage, day: string, kind: TallyKind, { country, device }: ScanOrigin, n: number) {
  sql.exec(
    `INSERT INTO tallies (day, kind, country, device, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (day, kind, country, device) DO UPDATE SET count = count + excluded.count`,
    day,
    kind,
    country,
    device,
    n,
  );
}

/**
 * The stats of a profile whose life totals are `counts`: the range's scans per country and
 * device class, and every day of the range (zeros included) with its scans per source and its
 * leads. `sql` is undefined for a profile that has no tallies yet.
 */
export function statsOf(sql: SqlStorage | undefined, counts: ScanCounts, range: StatsRange): ScanStats {
  const { total, ...bySource } = counts;
  const byDay = new Map(daysOf(range).map((date): [string, StatsDay] => [date, { date, total: 0, qr_scan: 0, web: 0, mcp: 0, leads: 0 }]));
  const byCountry = new Map<string, number>();
  const byDevice = Object.fromEntries(DEVICES.map((d) => [d, 0])) as Record<Device, number>;
  const rows = sql
    ? sql.exec<{ day: string; kind: TallyKind; country: string; device: Device; count: number }>(
        "SELECT day, kind, country, device, count FROM tallies WHERE day >= ? AND day <= ? AND count != 0",
        range.from,
        range.to,
      )
    : [];
  for (const { day, kind, country, device, count } of rows) {
    const date = byDay.get(day)!;
    if (kind === "lead") {
      date.leads += count;
      continue;
    }
    date[kind] += count;
    date.total += count;
    byCountry.set(country, (byCountry.get(country) ?? 0) + count);
    byDevice[device] += count;
  }
  return {
    total,
    by_source: bySource,
    by_country: Object.fromEntries([...byCountry].sort(([a, m], [b, n]) => n - m || a.localeCompare(b))),
    by_device: byDevice,
    by_day: [...byDay.values()],
  };
}
