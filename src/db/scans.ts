import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Database } from "./client";
import { profiles, scans, type Profile, type Scan } from "./schema";
import { nowIso, uuidv7 } from "../lib/ids";
import { outboxStatement } from "./webhooks";
import { cappedCount, cappedTotal } from "./pages";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import type { ScanCounter, ScanCounts, ScanSource } from "../durable-objects/scan-counter";

export function toScan(s: Scan) {
  return { id: s.id, profile_id: s.profileId, source: s.source, referrer: s.referrer, scanned_at: s.scannedAt };
}

const ROLLUP = { qr_scan: "scansQrScan", web: "scansWeb", mcp: "scansMcp" } as const;

type Counters = DurableObjectNamespace<ScanCounter>;

export const scanCounter = (ns: Counters, profileId: string) =>
  ns.get(ns.idFromName(profileId));

/**
 * Records one scan: the event and the workspace roll-up in one D1 batch, and the exact count in
 * the profile's ScanCounter. Both are written before this returns, so the scan is visible at once.
 */
export async function recordScan(
  db: Database,
  counters: Counters,
  profile: Pick<Profile, "id" | "workspaceId">,
  source: ScanSource,
  referrer: string | null,
): Promise<Scan & { counts: ScanCounts }> {
  const scan: Scan = { id: uuidv7(), profileId: profile.id, workspaceId: profile.workspaceId, source, referrer, scannedAt: nowIso() };
  const column = ROLLUP[source];
  const [counts] = await Promise.all([
    scanCounter(counters, profile.id).record(source, scan.scannedAt),
    db.batch([
      db.insert(scans).values(scan),
      outboxStatement(db, profile.workspaceId, "scan.recorded", toScan(scan)),
      db.update(profiles).set({ [column]: sql`${profiles[column]} + 1` }).where(eq(profiles.id, profile.id)),
    ]),
  ]);
  return { ...scan, counts };
}

export interface ScanFilters {
  profile_id?: string;
  source?: ScanSource;
}

export async function listScans(db: Database, workspaceId: string, filters: ScanFilters, page: PageRequest) {
  const where = and(
    eq(scans.workspaceId, workspaceId),
    filters.profile_id ? eq(scans.profileId, filters.profile_id) : undefined,
    filters.source ? eq(scans.source, filters.source) : undefined,
  );
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(scans)
      .where(and(where, page.after ? keysetAfter([scans.scannedAt, scans.id], page.after, true) : undefined))
      .orderBy(desc(scans.scannedAt), desc(scans.id))
      .limit(page.limit + 1)
      .offset(page.offset),
    cappedCount(db, scans, where),
  ]);
  return { rows, ...cappedTotal(total?.n ?? 0) };
}

/** Scan events older than this are purged by the scheduled handler; counts are kept. */
export const SCAN_EVENT_DAYS = 90;

export async function purgeScans(db: Database, now = Date.now()) {
  await db.delete(scans).where(lt(scans.scannedAt, new Date(now - SCAN_EVENT_DAYS * 86_400_000).toISOString()));
}
