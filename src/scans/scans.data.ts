import { and, desc, eq, lt, sql } from "drizzle-orm";
import { cappedCount, cappedTotal } from "../lib/db/pages";
import { type Db, rowCount, slot } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import { eventPayload } from "../webhooks/outbox.data";
import type { ScanOrigin } from "./scan-origin";
import { type Scan, type ScanSource, scans, UNKNOWN_COUNTRY } from "./scans.table";

export function toScan(s: Scan) {
  return {
    id: s.id,
    profile_id: s.profileId,
    source: s.source,
    referrer: s.referrer,
    country: s.country,
    device: s.device,
    scanned_at: s.scannedAt,
  };
}

/**
 * A scan on its way to D1, as the profile's ScanCounter keeps it (JSON, its keys the columns the
 * copy reads) until it is there.
 */
export interface PendingScan extends ScanOrigin {
  id: string;
  profile_id: string;
  source: ScanSource;
  referrer: string | null;
  scanned_at: string;
  /** ISO 3166-1 alpha-2 of where the scan came from, `XX` when unknown. */
  country: string;
  /** The class of device that scanned. */
  device: "mobile" | "tablet" | "desktop" | "other";
  /** The API caller's workspace (its private profiles count too); null on the public pages. */
  caller: string | null;
}

const UNKNOWN_ORIGIN: ScanOrigin = { country: UNKNOWN_COUNTRY, device: "other" };

export interface ScanDetails {
  /** The referrer's host. */
  referrer?: string | null;
  /** Unknown (`XX`, `other`) unless given. */
  origin?: ScanOrigin;
  /** The API caller's workspace, for a scan recorded through the API. */
  caller?: string;
}

export function newScan(
  profileId: string,
  source: ScanSource,
  { referrer = null, origin = UNKNOWN_ORIGIN, caller }: ScanDetails = {},
): PendingScan {
  return {
    id: uuidv7(),
    profile_id: profileId,
    source,
    referrer,
    country: origin.country,
    device: origin.device,
    scanned_at: nowIso(),
    caller: caller ?? null,
  };
}

/**
 * A pending scan read back from the ScanCounter's storage: one kept before scans had an origin
 * has an unknown one.
 */
export const readPendingScan = (json: string): PendingScan =>
  ({ ...UNKNOWN_ORIGIN, ...(JSON.parse(json) as Partial<PendingScan>) }) as PendingScan;

/** The scan as the API shows it, in the owner's workspace. */
export const pendingToScan = (s: PendingScan, workspaceId: string): Scan => ({
  id: s.id,
  profileId: s.profile_id,
  workspaceId,
  source: s.source,
  referrer: s.referrer,
  country: s.country,
  device: s.device,
  scannedAt: s.scanned_at,
});

const scanJson = sql`json_object('id', c.id, 'profile_id', c.profile_id, 'source', c.source, 'referrer', c.referrer, 'country', c.country, 'device', c.device, 'scanned_at', c.scanned_at)`;

/**
 * The listed scans whose profile was visible to their caller when they were made: it is public or
 * the caller's own, or it changed after the scan (made private after a visitor scanned it). A scan
 * made after it went private (from a handle cached in an isolate) is dropped. One already copied (a
 * copy retried after its answer was lost) is left as it is. The profile's roll-up follows by
 * trigger, for new rows only. A scan kept pending from before scans had an origin has an unknown one.
 */
const COPY_SCANS = sql`INSERT INTO scans (id, profile_id, workspace_id, source, referrer, country, device, scanned_at)
  SELECT s.value ->> 'id', p.id, p.workspace_id, s.value ->> 'source', s.value ->> 'referrer',
    coalesce(s.value ->> 'country', 'XX'), coalesce(s.value ->> 'device', 'other'), s.value ->> 'scanned_at'
  FROM json_each(${slot("scans")}) AS s JOIN profiles AS p ON p.id = s.value ->> 'profile_id'
  WHERE p.public = 1 OR p.workspace_id = s.value ->> 'caller' OR p.updated_at > s.value ->> 'scanned_at'
  ON CONFLICT (id) DO NOTHING`;

/**
 * A `scan.recorded` outbox event for each listed scan in D1, for owners with an enabled endpoint.
 * Its id comes from the scan's, so a copy retried writes no second event: exactly one per scan.
 */
const INSERT_SCAN_EVENTS = sql`INSERT INTO webhook_events (id, workspace_id, type, payload, enqueued_at, fanned_out_at, only_webhook_id, created_at)
  SELECT 'evt_' || replace(c.id, '-', ''), c.workspace_id, 'scan.recorded', ${eventPayload(sql`'scan.recorded'`, slot("at"), scanJson)}, NULL, NULL, NULL, ${slot("at")}
  FROM json_each(${slot("scans")}) AS s JOIN scans AS c ON c.id = s.value ->> 'id'
  WHERE EXISTS (SELECT 1 FROM webhooks AS w WHERE w.workspace_id = c.workspace_id AND w.enabled = 1)
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

/** The listed scans that are not in D1 after the copy: their profile went private or away. */
const REFUSED_SCANS = sql`SELECT s.value ->> 'id' AS id FROM json_each(${slot("scans")}) AS s
  WHERE NOT EXISTS (SELECT 1 FROM scans AS c WHERE c.id = s.value ->> 'id')`;

const PROFILE_EXISTS = sql`SELECT count(*) AS n FROM profiles WHERE id = ${slot("profile")}`;

/**
 * What an API scan's check needs, in one read: the profile's owner and visibility (nothing when
 * there is no such profile) and which of the callers' keys are live.
 */
const CHECK_SCANS = sql`SELECT p.workspace_id AS workspace_id, p.public AS public,
    (SELECT json_group_array(k.id) FROM api_keys AS k WHERE k.id IN (SELECT value FROM json_each(${slot("keys")})) AND k.revoked_at IS NULL) AS live_keys
  FROM (SELECT 1) LEFT JOIN profiles AS p ON p.id = ${slot("profile")}`;

export interface ScanCheck {
  /** The profile's workspace; undefined when there is no such profile. */
  workspaceId: string | undefined;
  public: boolean;
  liveKeys: Set<string>;
}

/** Reads what the API scans of one profile are checked against (see the ScanCounter). */
export async function checkScans(db: Db, profileId: string, keyIds: string[]): Promise<ScanCheck> {
  const row = await db.first(
    db.shaped<{ workspace_id: string | null; public: number | null; live_keys: string }>("scans.check", () => CHECK_SCANS, {
      profile: profileId,
      keys: JSON.stringify(keyIds),
    }),
  );
  return {
    workspaceId: row?.workspace_id ?? undefined,
    public: row?.public === 1,
    liveKeys: new Set(JSON.parse(row?.live_keys ?? "[]") as string[]),
  };
}

export interface CopyResult {
  /** Scans not copied: their profile was private to their caller when they were made. */
  refused: string[];
  /** How many outbox events the copy wrote. */
  events: number;
  /** The profile no longer exists. */
  profileGone: boolean;
}

/**
 * Copies one profile's pending scans (a JSON array of `PendingScan`, bound as one value however
 * many there are) to D1 in one batch: the scans, their outbox events, and what was refused. Safe
 * to run again with the same scans: nothing is written twice.
 */
export async function copyScans(db: Db, profileId: string, pendingJson: string): Promise<CopyResult> {
  const values = { scans: pendingJson, at: nowIso(), profile: profileId };
  const [, events, refused, [profile]] = await db.batch([
    db.shaped("scans.copy", () => COPY_SCANS, values),
    db.shaped<{ id: string }>("scans.events", () => INSERT_SCAN_EVENTS, values),
    db.shaped<{ id: string }>("scans.refused", () => REFUSED_SCANS, values),
    db.shaped<{ n: number }>("scans.profile", () => PROFILE_EXISTS, values),
  ]);
  return { refused: refused.map((r) => r.id), events: events.length, profileGone: (profile?.n ?? 0) === 0 };
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
