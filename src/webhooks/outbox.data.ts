import { and, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { type Db, type Orm, rowCount } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import { webhookEvents, webhooks } from "./webhooks.table";

export const EVENT_TYPES = [
  "contact.created",
  "contact.updated",
  "contact.deleted",
  "contact.tags_added",
  "contact.tags_removed",
  "contact.merged",
  "scan.recorded",
  "lead.captured",
  "contact.limit_reached",
] as const;
export type EventType = (typeof EVENT_TYPES)[number] | "webhook.test";

/** An outbox event's id. */
export const newEventId = () => `evt_${uuidv7().replace(/-/g, "")}`;

/** An event's body as SQL: `{"type", "timestamp", "data"}`, `data` being JSON that SQLite builds. */
export const eventPayload = (type: unknown, at: unknown, data: SQL) =>
  sql`json_object('type', ${type}, 'timestamp', ${at}, 'data', json(${data}))`;

/** What an event is built from. */
export interface EventSource {
  /** `data` as JSON SQL, over the row `from` selects if there is one. */
  data: SQL;
  /** `<table> WHERE …` selecting the one row `data` reads. */
  from?: SQL;
  /**
   * Put right after the statement that makes the change: the event is written only if that
   * statement changed a row (`changes()`). Otherwise the event stands on its own (`from` decides).
   */
  afterChange: boolean;
  /** Only this endpoint receives it (a `webhook.test`); it is then written whether or not any endpoint is enabled. */
  onlyWebhookId?: string;
}

/** An event's row, each value plain or a slot of a shaped statement (see `Db.shaped`). */
export interface EventRow {
  id: unknown;
  workspace: unknown;
  type: unknown;
  at: unknown;
  /** `data` as JSON SQL, over the row `from` selects if there is one. */
  data: SQL;
  /** `<table> WHERE …` selecting the one row `data` reads. */
  from?: SQL;
  /**
   * Put right after the statement that makes the change: the event is written only if that
   * statement changed a row (`changes()`). Otherwise the event stands on its own (`from` decides).
   */
  afterChange: boolean;
  /** Only this endpoint receives it (a `webhook.test`); it is then written whether or not any endpoint is enabled. */
  onlyWebhook?: unknown;
}

/**
 * The outbox write for an event, to put in the same `db.batch` as the change that causes it, so
 * the event exists exactly when the change does. Its payload is built by SQLite from the row as it
 * stands at that point of the batch (after an update, before a delete), so an event carries the
 * same representation an answer does. Nothing is written for a workspace without an enabled
 * endpoint (the outbox would only fill up). The one builder of every event's statement.
 */
export function eventInsert(orm: Orm, e: EventRow) {
  const conditions = [
    ...(e.afterChange ? [sql`changes() = 1`] : []),
    ...(e.onlyWebhook !== undefined
      ? []
      : [sql`EXISTS (SELECT 1 FROM ${webhooks} WHERE ${webhooks.workspaceId} = ${e.workspace} AND ${webhooks.enabled} = 1)`]),
  ];
  const where = conditions.length ? sql.join(conditions, sql` AND `) : sql`1`;
  // Every column, in table order: id, workspace_id, type, payload, enqueued_at, fanned_out_at, only_webhook_id, created_at.
  return orm.insert(webhookEvents).select(
    sql`SELECT ${e.id}, ${e.workspace}, ${e.type}, ${eventPayload(e.type, e.at, e.data)}, NULL, NULL, ${e.onlyWebhook ?? sql`NULL`}, ${e.at}
        ${e.from ? sql`FROM ${e.from} AND` : sql`WHERE`} ${where}`,
  );
}

/** `eventInsert` with this request's values: an event of `type` in the workspace, now. */
export function outboxEvent(
  db: Db,
  workspaceId: string,
  type: EventType,
  source: Pick<EventRow, "data" | "from" | "afterChange" | "onlyWebhook">,
  id = newEventId(),
) {
  return eventInsert(db.orm, { ...source, id, workspace: workspaceId, type, at: nowIso() });
}

/** How long an event may sit claimed but not fanned out before the sweep sends it again. */
const STALE_CLAIM_MS = 5 * 60 * 1000;

/** Claims up to `limit` events that still need to reach the queue (new, or claimed long ago). */
export async function claimPendingEvents(db: Db, limit = 100, now = Date.now()): Promise<string[]> {
  const at = new Date(now).toISOString();
  const stale = new Date(now - STALE_CLAIM_MS).toISOString();
  const { orm } = db;
  const rows = await db.all(
    orm
      .update(webhookEvents)
      .set({ enqueuedAt: at })
      .where(
        inArray(
          webhookEvents.id,
          orm
            .select({ id: webhookEvents.id })
            .from(webhookEvents)
            .where(and(isNull(webhookEvents.fannedOutAt), or(isNull(webhookEvents.enqueuedAt), lt(webhookEvents.enqueuedAt, stale))))
            .limit(rowCount(limit)),
        ),
      )
      .returning({ id: webhookEvents.id }),
  );
  return rows.map((r) => r.id);
}

export async function unclaimEvents(db: Db, ids: string[]) {
  if (ids.length) await db.run(db.orm.update(webhookEvents).set({ enqueuedAt: null }).where(inArray(webhookEvents.id, ids)));
}
