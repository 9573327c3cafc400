import { and, eq, inArray, isNull, lt, or, sql, type Placeholder, type SQL } from "drizzle-orm";
import { findFirst, type Database } from "../lib/db/client";
import { selectPage } from "../lib/db/pages";
import { rowCount, shaped, slot } from "../lib/db/rows";
import { webhookDeliveries, webhookEvents, webhookMessages, webhooks, type Webhook } from "./webhooks.table";
import { notFound } from "../lib/errors";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import { newWebhookSecret } from "./signature";

export const EVENT_TYPES = [
  "contact.created",
  "contact.updated",
  "contact.deleted",
  "contact.tags_added",
  "contact.tags_removed",
  "scan.recorded",
] as const;
export type EventType = (typeof EVENT_TYPES)[number] | "webhook.test";

/** A previous secret keeps signing for this long after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

export function toWebhook(w: Webhook) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    enabled: w.enabled,
    disabled_reason: w.disabledReason,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

/**
 * The outbox write for a change, to put in the same `db.batch` right after the statement that
 * makes the change: it only inserts when that statement changed a row (`changes()`), and only
 * when the workspace (an id, or SQL that finds it) has an enabled endpoint at all.
 */
export function outboxStatement(db: Database, workspaceId: string | SQL, type: EventType, data: unknown) {
  const at = nowIso();
  return insertEvent(db, workspaceId, type, at, sql`${JSON.stringify({ type, timestamp: at, data })}`);
}

/**
 * `outboxStatement` as a D1 statement of its own, for an event whose data SQLite builds: `data` is
 * JSON SQL over the one row `from` selects (a contact's representation as it stands after the
 * change), computed only when the event is written. `from.sql` names its values with slots,
 * filled from `from.values`; `from.shape` names this pairing of `data` and `from.sql`, which the
 * statement's text is kept under (with the event type).
 */
export function outboxEventFromRow(db: Database, workspaceId: string, type: EventType, data: SQL, from: { shape: string; sql: SQL; values: Record<string, unknown> }) {
  const payload = sql`json_object('type', ${slot("type")}, 'timestamp', ${slot("at")}, 'data', json(${data}))`;
  return shaped(db, `outbox:${type}:${from.shape}`, () => insertEvent(db, slot("workspace"), slot("type"), slot("at"), payload, from.sql, slot("event")), {
    ...from.values,
    type,
    event: newEventId(),
    workspace: workspaceId,
    at: nowIso(),
  });
}

/** An outbox event's id. */
export const newEventId = () => `evt_${uuidv7().replace(/-/g, "")}`;

function insertEvent(db: Database, workspaceId: string | SQL | Placeholder, type: EventType | Placeholder, at: string | Placeholder, payload: SQL, from?: SQL, id: string | Placeholder = newEventId()) {
  // Every column, in table order: id, workspace_id, type, payload, enqueued_at, fanned_out_at, only_webhook_id, created_at.
  return db.insert(webhookEvents).select(
    sql`SELECT ${id}, ${workspaceId}, ${type}, ${payload}, NULL, NULL, NULL, ${at}
      ${from ? sql`FROM ${from} AND` : sql`WHERE`} changes() = 1 AND EXISTS (SELECT 1 FROM ${webhooks} WHERE ${webhooks.workspaceId} = ${workspaceId} AND ${webhooks.enabled} = 1)`,
  );
}

export async function createWebhook(db: Database, workspaceId: string, input: { url: string; events: string[]; description?: string | null }) {
  const now = nowIso();
  const row: Webhook = {
    id: uuidv7(),
    workspaceId,
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    secret: newWebhookSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    enabled: true,
    disabledReason: null,
    failedMessagesInARow: 0,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(webhooks).values(row);
  return row;
}

export const findWebhook = (db: Database, workspaceId: string, id: string) =>
  findFirst(db, webhooks, and(eq(webhooks.workspaceId, workspaceId), eq(webhooks.id, id)));

export async function requireWebhook(db: Database, workspaceId: string, id: string) {
  const found = await findWebhook(db, workspaceId, id);
  if (!found) throw notFound("Webhook");
  return found;
}

export const listWebhooks = (db: Database, workspaceId: string, page: PageRequest) =>
  selectPage(db, webhooks, eq(webhooks.workspaceId, workspaceId), [webhooks.createdAt, webhooks.id], page);

export async function updateWebhook(
  db: Database,
  workspaceId: string,
  id: string,
  input: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
) {
  const [row] = await db
    .update(webhooks)
    .set({
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.events !== undefined ? { events: input.events } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      // Re-enabling clears the reason and the failure streak.
      ...(input.enabled !== undefined ? { enabled: input.enabled, disabledReason: input.enabled ? null : "disabled by the API", failedMessagesInARow: 0 } : {}),
      updatedAt: nowIso(),
    })
    .where(and(eq(webhooks.workspaceId, workspaceId), eq(webhooks.id, id)))
    .returning();
  if (!row) throw notFound("Webhook");
  return row;
}

export async function deleteWebhook(db: Database, workspaceId: string, id: string) {
  const rows = await db.delete(webhooks).where(and(eq(webhooks.workspaceId, workspaceId), eq(webhooks.id, id))).returning({ id: webhooks.id });
  if (rows.length === 0) throw notFound("Webhook");
}

export async function rotateSecret(db: Database, workspaceId: string, id: string) {
  const current = await requireWebhook(db, workspaceId, id);
  const now = Date.now();
  const [row] = await db
    .update(webhooks)
    .set({
      secret: newWebhookSecret(),
      previousSecret: current.secret,
      previousSecretExpiresAt: new Date(now + SECRET_OVERLAP_MS).toISOString(),
      updatedAt: new Date(now).toISOString(),
    })
    .where(and(eq(webhooks.id, id), eq(webhooks.secret, current.secret)))
    .returning();
  return row ?? (await requireWebhook(db, workspaceId, id));
}

/** A `webhook.test` event for one endpoint. */
export async function createTestEvent(db: Database, webhook: Webhook) {
  const id = newEventId();
  const at = nowIso();
  await db.insert(webhookEvents).values({
    id,
    workspaceId: webhook.workspaceId,
    type: "webhook.test",
    payload: JSON.stringify({ type: "webhook.test", timestamp: at, data: { webhook_id: webhook.id } }),
    onlyWebhookId: webhook.id,
    createdAt: at,
  });
  return id;
}

/** How long an event may sit claimed but not fanned out before the sweep sends it again. */
const STALE_CLAIM_MS = 5 * 60 * 1000;

/** Claims up to `limit` events that still need to reach the queue (new, or claimed long ago). */
export async function claimPendingEvents(db: Database, limit = 100, now = Date.now()): Promise<string[]> {
  const at = new Date(now).toISOString();
  const stale = new Date(now - STALE_CLAIM_MS).toISOString();
  const rows = await db
    .update(webhookEvents)
    .set({ enqueuedAt: at })
    .where(
      inArray(
        webhookEvents.id,
        db
          .select({ id: webhookEvents.id })
          .from(webhookEvents)
          .where(and(isNull(webhookEvents.fannedOutAt), or(isNull(webhookEvents.enqueuedAt), lt(webhookEvents.enqueuedAt, stale))))
          .limit(rowCount(limit)),
      ),
    )
    .returning({ id: webhookEvents.id });
  return rows.map((r) => r.id);
}

export async function unclaimEvents(db: Database, ids: string[]) {
  if (ids.length) await db.update(webhookEvents).set({ enqueuedAt: null }).where(inArray(webhookEvents.id, ids));
}

/** Makes one message per subscribed, enabled endpoint; answers the ids of the new messages. */
export async function fanOut(db: Database, eventId: string): Promise<string[]> {
  const event = await findFirst(db, webhookEvents, eq(webhookEvents.id, eventId));
  if (!event || event.fannedOutAt) return [];
  const endpoints = await db
    .select({ id: webhooks.id, events: webhooks.events })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.workspaceId, event.workspaceId),
        eq(webhooks.enabled, true),
        event.onlyWebhookId ? eq(webhooks.id, event.onlyWebhookId) : undefined,
      ),
    );
  const now = nowIso();
  const targets = endpoints.filter((w) => event.onlyWebhookId || w.events.includes("*") || w.events.includes(event.type));
  const messages = targets.map((w) => ({
    id: `msg_${uuidv7().replace(/-/g, "")}`,
    eventId,
    webhookId: w.id,
    state: "pending" as const,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  }));
  const markDone = db.update(webhookEvents).set({ fannedOutAt: now }).where(eq(webhookEvents.id, eventId));
  if (messages.length === 0) {
    await markDone;
    return [];
  }
  const [inserted] = await db.batch([
    db.insert(webhookMessages).values(messages).onConflictDoNothing().returning({ id: webhookMessages.id }),
    markDone,
  ]);
  return inserted.map((m) => m.id);
}

export async function loadMessage(db: Database, messageId: string) {
  const [row] = await db
    .select({ message: webhookMessages, webhook: webhooks, event: webhookEvents })
    .from(webhookMessages)
    .innerJoin(webhooks, eq(webhooks.id, webhookMessages.webhookId))
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookMessages.eventId))
    .where(eq(webhookMessages.id, messageId))
    .limit(rowCount(1));
  return row;
}

export interface AttemptOutcome {
  messageId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** What the message becomes: still pending (a retry follows), delivered or failed. */
  state: "pending" | "delivered" | "failed";
  /** Set when this attempt disables the endpoint. */
  disable?: string;
  /** Whether a given-up message extends the endpoint's failure streak (a success resets it). */
  streak: "reset" | "extend" | "keep";
}

/** The endpoint is disabled after this many messages in a row were given up. */
export const FAILED_MESSAGES_TO_DISABLE = 8;

/** Logs one attempt and applies its outcome to the message and the endpoint, in one batch. */
export async function recordAttempt(db: Database, o: AttemptOutcome) {
  const now = nowIso();
  const streak =
    o.streak === "reset" ? { failedMessagesInARow: 0 }
    : o.streak === "extend" ? { failedMessagesInARow: sql`${webhooks.failedMessagesInARow} + 1` }
    : {};
  await db.batch([
    db.insert(webhookDeliveries).values({
      id: uuidv7(),
      webhookId: o.webhookId,
      messageId: o.messageId,
      eventId: o.eventId,
      eventType: o.eventType,
      attempt: o.attempt,
      status: o.status,
      durationMs: o.durationMs,
      error: o.error,
      attemptedAt: now,
    }),
    db.update(webhookMessages).set({ attempts: o.attempt, state: o.state, updatedAt: now }).where(eq(webhookMessages.id, o.messageId)),
    db.update(webhooks).set({ ...streak, updatedAt: now }).where(eq(webhooks.id, o.webhookId)),
    db
      .update(webhooks)
      .set({ enabled: false, disabledReason: o.disable ?? `${FAILED_MESSAGES_TO_DISABLE} deliveries in a row failed` })
      .where(
        and(
          eq(webhooks.id, o.webhookId),
          o.disable ? undefined : sql`${webhooks.failedMessagesInARow} >= ${FAILED_MESSAGES_TO_DISABLE}`,
        ),
      ),
  ]);
}

export function toDelivery(d: typeof webhookDeliveries.$inferSelect) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    attempt: d.attempt,
    status: d.status,
    duration_ms: d.durationMs,
    error: d.error,
    attempted_at: d.attemptedAt,
  };
}

export const listDeliveries = (db: Database, webhookId: string, page: PageRequest) =>
  selectPage(db, webhookDeliveries, eq(webhookDeliveries.webhookId, webhookId), [webhookDeliveries.attemptedAt, webhookDeliveries.id], page);

/** Puts the message behind a logged delivery back to pending; answers its id. */
export async function reopenMessage(db: Database, webhookId: string, deliveryId: string) {
  const delivery = await findFirst(db, webhookDeliveries, and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.id, deliveryId)));
  if (!delivery) throw notFound("Delivery");
  await db.update(webhookMessages).set({ state: "pending", updatedAt: nowIso() }).where(eq(webhookMessages.id, delivery.messageId));
  return delivery.messageId;
}
