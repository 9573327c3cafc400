import { and, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { apiKeys } from "../keys/keys.table";
import { cappedCount, cappedTotal } from "../lib/db/pages";
import { type Db, rowCount, slot } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import { eventPayload, newEventId } from "../webhooks/outbox.data";
import { type Scan, type ScanSource, scans } from "./scans.table";

export function toScan(s: Scan) {
  return { id: s.id, profile_id: s.profileId, source: s.source, referrer: s.referrer, scanned_at: s.scannedAt };
}

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
  | { recorded: true; scan: Scan; keyLive: boolean /** an outbox event was written */; event: boolean }
  | { recorded: false; keyLive: boolean };

export function newScan(
  profileId: string,
  source: ScanSource,
  referrer: string | null,
  caller?: { workspaceId: string; apiKeyId: string },
): ScanToRecord {
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

const scanJson = sql`json_object('id', c.id, 'profile_id', c.profile_id, 'source', c.source, 'referrer', c.referrer, 'scanned_at', c.scanned_at)`;

/** The scans listed in a JSON array, each only if its profile is visible to its caller and the caller's key is live. */
const INSERT_SCANS = sql`INSERT INTO scans (id, profile_id, workspace_id, source, referrer, scanned_at)
  SELECT s.value ->> 'id', p.id, p.workspace_id, s.value ->> 'source', s.value ->> 'referrer', s.value ->> 'scanned_at'
  FROM json_each(${slot("scans")}) AS s JOIN profiles AS p ON p.id = s.value ->> 'profile_id'
  WHERE (p.public = 1 OR p.workspace_id = s.value ->> 'caller')
    AND (s.value ->> 'key' IS NULL OR EXISTS (SELECT 1 FROM api_keys AS k WHERE k.id = s.value ->> 'key' AND k.revoked_at IS NULL))
  RETURNING id, workspace_id AS workspaceId`;

/** An outbox event for each listed scan that was written, for owners with an enabled endpoint. */
const INSERT_SCAN_EVENTS = sql`INSERT INTO webhook_events (id, workspace_id, type, payload, enqueued_at, fanned_out_at, only_webhook_id, created_at)
  SELECT s.value ->> 'event', c.workspace_id, 'scan.recorded', ${eventPayload(sql`'scan.recorded'`, slot("at"), scanJson)}, NULL, NULL, NULL, ${slot("at")}
  FROM json_each(${slot("scans")}) AS s JOIN scans AS c ON c.id = s.value ->> 'id'
  WHERE EXISTS (SELECT 1 FROM webhooks AS w WHERE w.workspace_id = c.workspace_id AND w.enabled = 1)
  RETURNING id`;

/**
 * Writes scans in one D1 batch of two statements, however many there are (listed in one JSON
 * array, bound once each): the scans, each only if its profile is visible to its caller (public, or
 * the caller's own) and the caller's key, if any, is live (the profile roll-up follows by trigger);
 * then an outbox event for each scan written, for owners with an enabled endpoint. Answers one
 * outcome per scan, in order.
 */
export async function writeScans(db: Db, pending: ScanToRecord[]): Promise<ScanOutcome[]> {
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
  const values = { scans: JSON.stringify(listed), at: nowIso() };
  const [inserted, events] = await db.batch([
    db.shaped<{ id: string; workspaceId: string }>("scans.insert", () => INSERT_SCANS, values),
    db.shaped<{ id: string }>("scans.events", () => INSERT_SCAN_EVENTS, values),
  ]);
  const owners = new Map(inserted.map((r) => [r.id, r.workspaceId]));
  const eventIds = new Set(events.map((r) => r.id));
  // A refused scan of an API caller: was it the profile, or the key? Only then is it asked.
  const keysToCheck = [...new Set(pending.flatMap((s) => (!owners.has(s.id) && s.apiKeyId ? [s.apiKeyId] : [])))];
  const live = new Set(
    keysToCheck.length === 0
      ? []
      : (
          await db.all(
            db.orm
              .select({ id: apiKeys.id })
              .from(apiKeys)
              .where(and(inArray(apiKeys.id, keysToCheck), isNull(apiKeys.revokedAt))),
          )
        ).map((k) => k.id),
  );
  return pending.map((s, i) => {
    const workspaceId = owners.get(s.id);
    if (workspaceId === undefined) return { recorded: false, keyLive: !s.apiKeyId || live.has(s.apiKeyId) };
    const scan: Scan = { id: s.id, profileId: s.profileId, workspaceId, source: s.source, referrer: s.referrer, scannedAt: s.scannedAt };
    return { recorded: true, scan, keyLive: true, event: eventIds.has(listed[i]!.event) };
  });
}

export interface ScanFilters {
  profile_id?: string;
  source?: ScanSource;
}

export async function listScans(db: Db, workspaceId: string, filters: ScanFilters, page: PageRequest) {
  const where = and(
    eq(scans.workspaceId, workspaceId),
    filters.profile_id ? eq(scans.profileId, filters.profile_id) : undefined,
    filters.source ? eq(scans.source, filters.source) : undefined,
  );
  const [rows, [total]] = await db.batch([
    db.orm
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

export async function purgeScans(db: Db, now = Date.now()) {
  await db.run(db.orm.delete(scans).where(lt(scans.scannedAt, new Date(now - SCAN_EVENT_DAYS * 86_400_000).toISOString())));
}
