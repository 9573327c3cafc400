import { and, desc, eq, exists, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "./client";
import { apiKeys, profiles, scans, webhookEvents, type Scan } from "./schema";
import { nowIso, uuidv7 } from "../lib/ids";
import { outboxStatement } from "./webhooks";
import { cappedCount, cappedTotal } from "./pages";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import type { RecordResult, ScanCounter, ScanSource } from "../durable-objects/scan-counter";

export function toScan(s: Scan) {
  return { id: s.id, profile_id: s.profileId, source: s.source, referrer: s.referrer, scanned_at: s.scannedAt };
}

type Counters = DurableObjectNamespace<ScanCounter>;

export const scanCounter = (ns: Counters, profileId: string) =>
  ns.get(ns.idFromName(profileId));

/** One scan on its way to D1, with what decides whether it may be recorded. */
export interface ScanToRecord {
  id: string;
  profileId: string;
  source: ScanSource;
  referrer: string | null;
  scannedAt: string;
  /** The API caller's workspace (its private profiles count too); null on the public pages. */
  callerWorkspaceId: string | null;
  /** The API caller's key, which must still be live for the scan to be written. */
  apiKeyId: string | null;
}

export type ScanOutcome =
  | { recorded: true; scan: Scan; keyLive: boolean; /** an outbox event was written */ event: boolean }
  | { recorded: false; keyLive: boolean };

export function newScan(profileId: string, source: ScanSource, referrer: string | null, caller?: { workspaceId: string; apiKeyId: string }): ScanToRecord {
  return {
    id: uuidv7(),
    profileId,
    source,
    referrer,
    scannedAt: nowIso(),
    callerWorkspaceId: caller?.workspaceId ?? null,
    apiKeyId: caller?.apiKeyId ?? null,
  };
}

/**
 * Writes scans in one D1 batch: each insert happens only if the profile is visible (public, or
 * the caller's own) and the caller's key, if any, is live; each written scan gets its outbox
 * event; the profile roll-up follows by trigger. Answers one outcome per scan, in order.
 */
export async function writeScans(db: Database, pending: ScanToRecord[]): Promise<ScanOutcome[]> {
  const liveKey = (id: string) => and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt));
  const statements: BatchItem<"sqlite">[] = [];
  for (const s of pending) {
    const visible = and(
      eq(profiles.id, s.profileId),
      s.callerWorkspaceId ? or(eq(profiles.public, true), eq(profiles.workspaceId, s.callerWorkspaceId)) : eq(profiles.public, true),
      s.apiKeyId ? exists(db.select({ one: sql`1` }).from(apiKeys).where(liveKey(s.apiKeyId))) : undefined,
    );
    const owner = sql`(SELECT ${profiles.workspaceId} FROM ${profiles} WHERE ${profiles.id} = ${s.profileId})`;
    statements.push(
      // Every column, in table order: id, profile_id, workspace_id, source, referrer, scanned_at.
      db
        .insert(scans)
        .select(sql`SELECT ${s.id}, ${profiles.id}, ${profiles.workspaceId}, ${s.source}, ${s.referrer}, ${s.scannedAt} FROM ${profiles} WHERE ${visible}`)
        .returning(),
      outboxStatement(db, owner, "scan.recorded", toScan({ ...s, workspaceId: "" })).returning({ id: webhookEvents.id }),
    );
  }
  if (statements.length === 0) return [];
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[][];
  const written = pending.map((_, i) => ({ scan: (results[2 * i] as Scan[])[0], event: results[2 * i + 1]!.length > 0 }));
  // A refused scan of an API caller: was it the profile, or the key? Only then is it asked.
  const keysToCheck = [...new Set(pending.flatMap((s, i) => (!written[i]!.scan && s.apiKeyId ? [s.apiKeyId] : [])))];
  const live = new Set(
    keysToCheck.length === 0 ? [] : (await db.select({ id: apiKeys.id }).from(apiKeys).where(and(inArray(apiKeys.id, keysToCheck), isNull(apiKeys.revokedAt)))).map((k) => k.id),
  );
  return pending.map((s, i) => {
    const { scan, event } = written[i]!;
    if (scan) return { recorded: true, scan, keyLive: true, event };
    return { recorded: false, keyLive: !s.apiKeyId || live.has(s.apiKeyId) };
  });
}

/**
 * Records one scan through the profile's ScanCounter, which writes it to D1 (grouped with the
 * scans arriving at the same moment) and counts it before answering, so it is visible at once.
 */
export const recordScan = (counters: Counters, scan: ScanToRecord): Promise<RecordResult> => scanCounter(counters, scan.profileId).record(scan);

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
