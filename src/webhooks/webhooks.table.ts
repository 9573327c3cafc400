import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "../lib/db/columns";
import { workspaces } from "../workspaces/workspaces.table";

/** Webhook endpoints. Secrets are kept to sign deliveries; the previous one signs too until it expires. */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    description: text("description"),
    secret: text("secret").notNull(),
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    disabledReason: text("disabled_reason"),
    /** Messages given up on in a row; 8 disables the endpoint. */
    failedMessagesInARow: integer("failed_messages_in_a_row").notNull().default(0),
    ...timestamps,
  },
  (t) => [index("webhooks_workspace").on(t.workspaceId, t.createdAt, t.id)],
);

/** The outbox: one row per event, written in the same batch as the change that caused it. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    /** Set when handed to the queue; null rows are swept by the cron trigger. */
    enqueuedAt: text("enqueued_at"),
    /** Set when the consumer has made one message per subscribed endpoint. */
    fannedOutAt: text("fanned_out_at"),
    /** Only this endpoint (the `test` endpoint's events). */
    onlyWebhookId: text("only_webhook_id"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("webhook_events_pending").on(t.fannedOutAt, t.enqueuedAt)],
);

/** One event for one endpoint: what a consumer receives, with a `webhook-id` stable across retries. */
export const webhookMessages = sqliteTable(
  "webhook_messages",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    state: text("state", { enum: ["pending", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex("webhook_messages_event_endpoint").on(t.eventId, t.webhookId)],
);

/** Every delivery attempt. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    attempt: integer("attempt").notNull(),
    status: integer("status"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    attemptedAt: text("attempted_at").notNull(),
  },
  (t) => [index("webhook_deliveries_webhook").on(t.webhookId, t.attemptedAt, t.id)],
);

export type Webhook = typeof webhooks.$inferSelect;
