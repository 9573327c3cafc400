import { and, desc, eq, inArray, isNull, lt } from "drizzle-orm";
import type { Database } from "../lib/db/client";
import { apiKeys } from "../keys/keys.table";
import { scans, type Scan } from "./scans.table";
import { nowIso, uuidv7 } from "../lib/ids";
import { newEventId } from "../webhooks/webhooks.data";
import { rowCount, statement } from "../lib/db/rows";
import { cappedCount, cappedTotal } from "../lib/db/pages";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import type { RecordResult, ScanCounter, ScanSource } from "./scan-counter";

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
 * Inserts the scans listed in a JSON array (one bound parameter however many go out together),
 * each only if its profile is visible to its caller (public, or the caller's own) and the caller's
 * key, if any, is live. The profile roll-up follows by trigger.
 */
const INSERT_SCANS = `INSERT INTO scans (id, profile_id, workspace_id, source, referrer, scanned_at)
  SELECT s.value ->> 'id', p.id, p.workspace_id, s.value ->> 'source', s.value ->> 'referrer', s.value ->> 'scanned_at'
  FROM json_each(?1) AS s JOIN profiles AS p ON p.id = s.value ->> 'profile_id'
  WHERE (p.public = 1 OR p.workspace_id = s.value ->> 'caller')
    AND (s.value ->> 'key' IS NULL OR EXISTS (SELECT 1 FROM api_keys AS k WHERE k.id = s.value ->> 'key' AND k.revoked_at IS NULL))
  RETURNING id, workspace_id AS workspaceId`;

/**
 * The outbox events of the scans the insert wrote (a listed scan that is not in the table was
 * refused), for owners with an enabled endpoint; the payload is built as `toScan` shapes it.
 */
const INSERT_SCAN_EVENTS = `INSERT INTO webhook_events (id, workspace_id, type, payload, enqueued_at, fanned_out_at, only_webhook_id, created_at)
  SELECT s.value ->> 'event', c.workspace_id, 'scan.recorded',
    json_object('type', 'scan.recorded', 'timestamp', ?2, 'data', json_object(
      'id', c.id, 'profile_id', c.profile_id, 'source', c.source, 'referrer', c.referrer, 'scanned_at', c.scanned_at)),
    NULL, NULL, NULL, ?2
  FROM json_each(?1) AS s JOIN scans AS c ON c.id = s.value ->> 'id'
  WHERE EXISTS (SELECT 1 FROM webhooks AS w WHERE w.workspace_id = c.workspace_id AND w.enabled = 1)
  RETURNING id`;

/**
 * Writes scans in one D1 batch of two statements, however many there are: the scans (see
 * `INSERT_SCANS`), then an outbox event for each one written. Answers one outcome per scan, in order.
 */
export async function writeScans(db: Database, pending: ScanToRecord[]): Promise<ScanOutcome[]> {
  if (pending.length === 0) return [];
  const listed = pending.map((s) => ({
    id: s.id,
    profile_id: s.profileId,
    source: s.source,
    referrer: s.referrer,
    scanned_at: s.scannedAt,
    caller: s.callerWorkspaceId,
    key: s.apiKeyId,
    event: newEventId(),
  }));
  const json = JSON.stringify(listed);
  const [inserted, events] = await db.$client.batch<{ id: string; workspaceId?: string }>([
    statement(db, INSERT_SCANS, json),
    statement(db, INSERT_SCAN_EVENTS, json, nowIso()),
  ]);
  const owners = new Map(inserted!.results.map((r) => [r.id, r.workspaceId!]));
  const eventIds = new Set(events!.results.map((r) => r.id));
  // A refused scan of an API caller: was it the profile, or the key? Only then is it asked.
  const keysToCheck = [...new Set(pending.flatMap((s) => (!owners.has(s.id) && s.apiKeyId ? [s.apiKeyId] : [])))];
  const live = new Set(
    keysToCheck.length === 0 ? [] : (await db.select({ id: apiKeys.id }).from(apiKeys).where(and(inArray(apiKeys.id, keysToCheck), isNull(apiKeys.revokedAt)))).map((k) => k.id),
  );
  return pending.map((s, i) => {
    const workspaceId = owners.get(s.id);
    if (workspaceId === undefined) return { recorded: false, keyLive: !s.apiKeyId || live.has(s.apiKeyId) };
    const scan: Scan = { id: s.id, profileId: s.profileId, workspaceId, source: s.source, referrer: s.referrer, scannedAt: s.scannedAt };
    return { recorded: true, scan, keyLive: true, event: eventIds.has(listed[i]!.event) };
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
      .limit(rowCount(page.limit + 1))
      .offset(rowCount(page.offset)),
    cappedCount(db, scans, where),
  ]);
  return { rows, ...cappedTotal(total?.n ?? 0) };
}

/** Scan events older than this are purged by the scheduled handler; counts are kept. */
export const SCAN_EVENT_DAYS = 90;

export async function purgeScans(db: Database, now = Date.now()) {
  await db.delete(scans).where(lt(scans.scannedAt, new Date(now - SCAN_EVENT_DAYS * 86_400_000).toISOString()));
}
