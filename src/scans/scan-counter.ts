import { DurableObject } from "cloudflare:workers";
import { dbFor } from "../lib/db/client";
import { withTimeout } from "../lib/timeout";
import { flushOutbox } from "../webhooks/delivery";
import { closeQuietly, type LeadEventData, LiveFeed, scanEvent } from "./live-feed";
import { type CheckedResult, type CheckedScan, ScanChecks } from "./scan-checks";
import { addTally, type LeadTally, type ScanCounts, type ScanStats, statsOf, type TallyKind } from "./scan-tallies";
import { type CopyResult, copyScans, type PendingScan, readPendingScan } from "./scans.data";
import type { Device, ScanSource } from "./scans.table";
import type { StatsRange } from "./stats-range";

export type { ScanCounts, ScanStats } from "./scan-tallies";

/** Scans are recorded unless their profile has been deleted. */
export type RecordResult = { recorded: true; counts: ScanCounts } | { recorded: false };

/**
 * The most scans copied to D1 in one batch: one bound JSON value of ~110 KB (D1 takes values up to
 * 2 MB; its 100 KB limit is on a statement's text). Each copy costs D1 a fixed ~3 ms however many it carries.
 */
const COPY_GROUP = 500;
/**
 * How long a first pending scan waits for others before the copy, so scans arriving together go in
 * one batch: well within the 2 s in which `docs/api.md` promises a scan in the scan list.
 */
const COPY_DELAY_MS = 500;
/** A failed copy is tried again after 1 s, 2 s, 4 s… and then every minute, for as long as it takes. */
const RETRY_MAX_MS = 60_000;

const logError = (msg: string, fields: Record<string, unknown>) => console.error(JSON.stringify({ level: "error", msg, ...fields }));

/**
 * One profile's scans: where a scan becomes durable, the keeper of the profile's exact counts
 * (`tallies`: scans per UTC day, source, country and device class, and the leads captured on its
 * card the same way) and the copier of its scans to D1. One object per profile id, so counts are
 * exact under any concurrency and survive restarts (SQLite storage).
 *
 * A scan is recorded in the object's own SQLite (`pending`) and counted in the same transaction;
 * the caller's answer waits for that write only. An alarm then copies the pending scans to D1 in
 * batches, with their webhook events, and forgets them once D1 has them: a hot profile (a
 * conference stand) costs D1 one write per batch, not one per scan, and nothing waits on D1. When
 * D1 fails, the scans stay pending and the copy is tried again until it succeeds. A scan of a
 * profile that was already private (seen stale from an isolate's handle cache) is not copied, and
 * its count is taken back; the scans of a deleted profile go with it.
 *
 * An API scan must first be checked in D1 (is the profile visible to the caller, is the caller's
 * key live). A hot card gets many at once: while one check is in flight, the scans that arrive
 * wait and are checked together in the next, so a conference stand costs one read per group, not
 * per scan. Each caller still gets the exact counts right after its own scan.
 */
export class ScanCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The totals, read from storage once and then kept in step with it. */
  private totals: ScanCounts | undefined;
  /**
   * Whether the tables exist. They are made with the first scan recorded, so an object addressed
   * by an id that is no profile keeps no storage at all.
   */
  private hasTables: boolean | undefined;
  /** Whether the profile was deleted (`clear`): then the object refuses scans for good. */
  private deleted: boolean | undefined;
  /** Whether the alarm is set; unknown (and set again) in a fresh instance. */
  private copyScheduled = false;
  private copying: Promise<void> | undefined;
  private failedCopies = 0;
  /** API scans waiting for their check in D1, checked a group at a time. */
  private readonly checks: ScanChecks;
  /** When the card's lead form was sent in the last minute: a cap, not a record, so memory is enough. */
  private leadTimes: number[] = [];
  /** The profile's live feed: the streams open on it and the last events. */
  private readonly live: LiveFeed;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.live = new LiveFeed(ctx);
    this.checks = new ScanChecks(env, async (scans) => (this.isDeleted() ? undefined : await this.keep(scans)));
  }

  private tablesExist(): boolean {
    if (this.hasTables === undefined) {
      const tables = new Set(
        this.sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('daily', 'tallies', 'deleted')")
          .toArray()
          .map((t) => t.name),
      );
      this.deleted = tables.has("deleted");
      this.hasTables = tables.has("tallies") || tables.has("daily");
      // An object that counted before scans were kept pending, or before they had an origin, gets the tables it lacks.
      if (this.hasTables) this.createTables(tables.has("daily"));
    }
    return this.hasTables;
  }

  private isDeleted(): boolean {
    this.tablesExist();
    return this.deleted === true;
  }

  private createTables(fromDaily = false) {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(`CREATE TABLE IF NOT EXISTS tallies (
        day TEXT NOT NULL, kind TEXT NOT NULL, country TEXT NOT NULL, device TEXT NOT NULL, count INTEGER NOT NULL,
        PRIMARY KEY (day, kind, country, device)
      ) WITHOUT ROWID`);
      this.sql.exec("CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, scan TEXT NOT NULL)");
      if (fromDaily) {
        // Counted per day and source only: their country and device are unknown.
        this.sql.exec("INSERT INTO tallies (day, kind, country, device, count) SELECT day, source, 'XX', 'other', count FROM daily");
        this.sql.exec("DROP TABLE daily");
      }
    });
    this.hasTables = true;
  }

  /**
   * Records scans of this profile (already checked: the profile was visible to each scan's caller):
   * durable and counted when this answers, in D1 within moments. Answers the counts after them,
   * or that nothing was recorded because the profile has been deleted.
   */
  async record(scans: PendingScan[]): Promise<RecordResult> {
    if (this.isDeleted()) return { recorded: false };
    return { recorded: true, counts: await this.keep(scans) };
  }

  /** Checks an API caller's scan in D1 (grouped with the others waiting) and records it if it passes. */
  recordChecked(scan: CheckedScan): Promise<CheckedResult> {
    return this.checks.add(scan);
  }

  /**
   * Makes scans durable and counts them in one transaction, and sets the alarm that copies them to
   * D1. Answers the counts right after them, taken before anything is awaited: while the alarm is
   * being set, the next caller's scans may already be counted.
   */
  private async keep(scans: PendingScan[]): Promise<ScanCounts> {
    if (scans.length === 0) return { ...this.counts() };
    if (!this.tablesExist()) this.createTables();
    const events = this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO pending (id, scan) SELECT value ->> 'id', value FROM json_each(?)", JSON.stringify(scans));
      this.count(scans, 1);
      return this.live.append(scans.map(scanEvent));
    });
    const after = { ...this.counts() };
    this.live.broadcast(events);
    if (!this.copyScheduled) {
      this.copyScheduled = true;
      await this.ctx.storage.setAlarm(Date.now() + COPY_DELAY_MS);
    }
    return after;
  }

  /** Copies the pending scans to D1. */
  override async alarm(): Promise<void> {
    this.copyScheduled = false;
    this.copying ??= this.copyPending().finally(() => {
      this.copying = undefined;
    });
    await this.copying;
  }

  /** Copies pending scans group after group until none is left, or D1 fails (then again later). */
  private async copyPending() {
    for (;;) {
      const group = this.tablesExist() ? this.sql.exec<{ scan: string }>("SELECT scan FROM pending LIMIT ?", COPY_GROUP).toArray() : [];
      if (group.length === 0) return;
      const profileId = (JSON.parse(group[0]!.scan) as PendingScan).profile_id;
      let copied: CopyResult;
      try {
        copied = await copyScans(dbFor(this.env.DB), profileId, `[${group.map((row) => row.scan).join(",")}]`);
      } catch (error) {
        await this.retryLater(profileId, group.length, error);
        return;
      }
      this.failedCopies = 0;
      if (copied.profileGone) {
        await this.clear();
        return;
      }
      this.forget(
        group.map((row) => readPendingScan(row.scan)),
        new Set(copied.refused),
      );
      if (copied.events > 0)
        await flushOutbox(this.env).catch((error: unknown) => logError("outbox flush failed", { error: String(error) }));
    }
  }

  private async retryLater(profileId: string, pending: number, error: unknown) {
    const delay = Math.min(RETRY_MAX_MS, 1000 * 2 ** this.failedCopies++);
    logError("scan copy failed", { profile_id: profileId, pending, retry_in_ms: delay, error: String(error) });
    this.copyScheduled = true;
    await this.ctx.storage.setAlarm(Date.now() + delay);
  }

  /** Drops copied scans from `pending`, and takes back the count of those D1 refused. */
  private forget(group: PendingScan[], refused: Set<string>) {
    // The profile may have been cleared while the copy was in flight: only what is still pending counts.
    if (!this.tablesExist()) return;
    this.ctx.storage.transactionSync(() => {
      const gone = new Set(
        this.sql
          .exec<{ id: string }>(
            "DELETE FROM pending WHERE id IN (SELECT value FROM json_each(?)) RETURNING id",
            JSON.stringify(group.map((s) => s.id)),
          )
          .toArray()
          .map((row) => row.id),
      );
      this.count(
        group.filter((s) => refused.has(s.id) && gone.has(s.id)),
        -1,
      );
    });
  }

  /**
   * Adds `sign` × each scan to the count of its day, source, country and device: one upsert per
   * such tally among them.
   */
  private count(scans: PendingScan[], sign: 1 | -1) {
    if (scans.length === 0) return;
    const totals = this.counts();
    const perTally = new Map<string, number>();
    for (const scan of scans) {
      const key = [scan.scanned_at.slice(0, 10), scan.source, scan.country, scan.device].join(" ");
      perTally.set(key, (perTally.get(key) ?? 0) + sign);
      totals.total += sign;
      totals[scan.source] += sign;
    }
    for (const [key, n] of perTally) {
      const [day, kind, country, device] = key.split(" ") as [string, TallyKind, string, Device];
      addTally(this.sql, day, kind, { country, device }, n);
    }
  }

  counts(): ScanCounts {
    if (this.totals) return this.totals;
    const counts: ScanCounts = { total: 0, qr_scan: 0, web: 0, mcp: 0 };
    if (!this.tablesExist()) return counts;
    for (const row of this.sql.exec<{ kind: ScanSource; n: number }>(
      "SELECT kind, sum(count) AS n FROM tallies WHERE kind != 'lead' GROUP BY kind",
    )) {
      counts[row.kind] = row.n;
      counts.total += row.n;
    }
    this.totals = counts;
    return counts;
  }

  /** Counts a lead captured on this profile's card, on its UTC day and with its origin (not once the profile is deleted). */
  countLead(lead: LeadTally): void {
    if (this.isDeleted()) return;
    if (!this.tablesExist()) this.createTables();
    addTally(this.sql, lead.captured_at.slice(0, 10), "lead", lead, 1);
  }

  /** Whether one more lead may be captured on this card now: at most `perMinute` in any minute. */
  admitLead(perMinute: number): boolean {
    const now = Date.now();
    this.leadTimes = this.leadTimes.filter((t) => t > now - 60_000);
    if (this.leadTimes.length >= perMinute) return false;
    this.leadTimes.push(now);
    return true;
  }

  /** Tells the live feed of a lead, once it is stored in D1. */
  publishLead(lead: LeadEventData): void {
    if (this.isDeleted()) return;
    this.live.broadcast(this.live.append([{ event: "lead", data: lead }]));
  }

  /**
   * Opens a live stream: the one request the object takes by `fetch`, because a WebSocket it
   * accepts for hibernation must arrive as an upgrade. `Last-Event-ID` (a validated integer) says
   * from where to replay.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade") !== "websocket") return new Response(null, { status: 426 });
    if (this.isDeleted()) return new Response(null, { status: 404 });
    const after = request.headers.get("last-event-id");
    return this.live.connect(after === null ? null : Number(after));
  }

  /** A stream's Worker closed its socket (the client went away): the close is answered. */
  override async webSocketClose(socket: WebSocket, code: number): Promise<void> {
    closeQuietly(socket, code === 1005 || code === 1006 ? 1000 : code);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    closeQuietly(socket, 1011);
  }

  /** How many scans are not in D1 yet. */
  pending(): number {
    return this.tablesExist() ? this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pending").one().n : 0;
  }

  /**
   * The profile's scan totals over its life; the range's scans per country and device class; and
   * every day of the range (zeros included) with its scans per source and its leads.
   */
  stats(range: StatsRange): ScanStats {
    return statsOf(this.tablesExist() ? this.sql : undefined, this.counts(), range);
  }

  /**
   * Forgets everything, pending scans included (the profile was deleted), and refuses scans from
   * now on: a scan sent from a handle cached before the delete is then sent where the handle leads now.
   */
  async clear(): Promise<void> {
    this.live.clear();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.sql.exec("CREATE TABLE deleted (at TEXT NOT NULL)");
    this.sql.exec("INSERT INTO deleted (at) VALUES (?)", new Date().toISOString());
    this.copyScheduled = false;
    this.totals = undefined;
    this.hasTables = false;
    this.deleted = true;
  }
}

type Counters = DurableObjectNamespace<ScanCounter>;

/** How long a call into the object may take before it is a passing failure (503). */
const objectTimeout = (env: Pick<Env, "DURABLE_OBJECT_TIMEOUT_MS">) => Number(env.DURABLE_OBJECT_TIMEOUT_MS) || 5_000;

/** The ScanCounter of a profile. */
export const scanCounter = (ns: Counters, profileId: string) => ns.get(ns.idFromName(profileId));

/**
 * Records scans of one profile through its ScanCounter: durable and counted when this resolves
 * (the copy to D1 follows within moments). Answers the profile's counts after them.
 */
export const recordScans = (
  env: Pick<Env, "SCAN_COUNTER" | "DURABLE_OBJECT_TIMEOUT_MS">,
  profileId: string,
  scans: PendingScan[],
): Promise<RecordResult> =>
  withTimeout<RecordResult>(
    Promise.resolve(scanCounter(env.SCAN_COUNTER, profileId).record(scans)),
    objectTimeout(env),
    "The scan counter",
  );

/**
 * Records an API caller's scan through its profile's ScanCounter, which checks it in D1 first:
 * durable and counted when this resolves with `recorded`.
 */
export const recordCheckedScan = (
  env: Pick<Env, "SCAN_COUNTER" | "DURABLE_OBJECT_TIMEOUT_MS">,
  scan: CheckedScan,
): Promise<CheckedResult> =>
  withTimeout<CheckedResult>(
    Promise.resolve(scanCounter(env.SCAN_COUNTER, scan.scan.profile_id).recordChecked(scan)),
    objectTimeout(env),
    "The scan counter",
  );

/** Tells the profile's live feed of a lead stored in D1. */
export const publishLead = (env: Pick<Env, "SCAN_COUNTER" | "DURABLE_OBJECT_TIMEOUT_MS">, profileId: string, lead: LeadEventData) =>
  withTimeout(Promise.resolve(scanCounter(env.SCAN_COUNTER, profileId).publishLead(lead)), objectTimeout(env), "The scan counter");

/**
 * Opens a live stream on a profile's feed through its ScanCounter: a WebSocket carrying the events
 * after `lastEventId` (none when null), then each new one as JSON. Not yet accepted: the caller
 * accepts it when it is ready to listen. Undefined when the profile has been deleted.
 */
export async function openLiveFeed(
  env: Pick<Env, "SCAN_COUNTER" | "DURABLE_OBJECT_TIMEOUT_MS">,
  profileId: string,
  lastEventId: number | null,
): Promise<WebSocket | undefined> {
  const headers = new Headers({ upgrade: "websocket" });
  if (lastEventId !== null) headers.set("last-event-id", String(lastEventId));
  const res = await withTimeout(
    scanCounter(env.SCAN_COUNTER, profileId).fetch("https://scan-counter/live", { headers }),
    objectTimeout(env),
    "The scan counter",
  );
  return res.webSocket ?? undefined;
}
