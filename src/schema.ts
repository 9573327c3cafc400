import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The D1 schema. Derived state (the full-text index, the tag index, each workspace's contact
 * counter and the plan-limit check) is maintained by triggers in a custom migration, so it can
 * never disagree with the rows it is derived from.
 */

const timestamps = {
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
};

export const workspaces = sqliteTable("workspaces", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan", { enum: ["free", "pro", "business"] }).notNull(),
  /** Maximum number of contacts; null is unlimited. Written from PLANS whenever `plan` changes. */
  contactLimit: integer("contact_limit"),
  /** Current number of contacts, kept by the contacts triggers. */
  contactCount: integer("contact_count").notNull().default(0),
  /** Enabled webhook endpoints, kept by the webhooks triggers: zero means no outbox work at all. */
  enabledWebhooks: integer("enabled_webhooks").notNull().default(0),
  /**
   * The workspace's number, given by a trigger when it is created: the high 32 bits of the keys
   * of its contacts' rows in the search index (see migration 0013), so its rows there are one range.
   */
  number: integer("number").notNull().default(0),
  ...timestamps,
}, (t) => [uniqueIndex("workspaces_number").on(t.number)]);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    prefix: text("prefix").notNull(),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    uniqueIndex("api_keys_key_hash").on(t.keyHash),
    index("api_keys_workspace").on(t.workspaceId, t.createdAt),
  ],
);

export const sites = sqliteTable(
  "sites",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    ...timestamps,
  },
  (t) => [index("sites_workspace").on(t.workspaceId, t.createdAt, t.id)],
);

export const contacts = sqliteTable(
  "contacts",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    firstName: text("first_name"),
    lastName: text("last_name"),
    /** Lower-cased full name, for the case-insensitive `name` sort. */
    sortName: text("sort_name").notNull(),
    email: text("email"),
    /** Lower-cased email: the duplicate key and the `email=` filter. */
    emailKey: text("email_key"),
    phone: text("phone"),
    /** Phone reduced to its digits (and a leading +): the duplicate key and the `phone=` filter. */
    phoneKey: text("phone_key"),
    jobTitle: text("job_title"),
    company: text("company"),
    location: text("location"),
    linkedinUrl: text("linkedin_url"),
    photoUrl: text("photo_url"),
    stage: text("stage").notNull(),
    notes: text("notes"),
    customFields: text("custom_fields", { mode: "json" })
      .$type<Record<string, string | number | boolean | null>>()
      .notNull()
      .default(sql`'{}'`),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    siteId: text("site_id").references(() => sites.id, { onDelete: "set null" }),
    source: text("source").notNull(),
    profileId: text("profile_id"),
    /** Bumped on every write; guards read-modify-write updates against lost updates. */
    version: integer("version").notNull().default(1),
    ...timestamps,
    savedAt: text("saved_at").notNull(),
  },
  (t) => [
    // Partial where the column is often empty: a contact without one costs no index entry (a
    // lookup by value, `col = ?`, implies NOT NULL, so it still uses the index).
    uniqueIndex("contacts_email").on(t.workspaceId, t.emailKey).where(sql`${t.emailKey} IS NOT NULL`),
    uniqueIndex("contacts_phone").on(t.workspaceId, t.phoneKey).where(sql`${t.phoneKey} IS NOT NULL`),
    uniqueIndex("contacts_profile").on(t.workspaceId, t.profileId).where(sql`${t.profileId} IS NOT NULL`),
    index("contacts_created").on(t.workspaceId, t.createdAt, t.id),
    index("contacts_updated").on(t.workspaceId, t.updatedAt, t.id),
    index("contacts_name").on(t.workspaceId, t.sortName, t.id),
    index("contacts_stage").on(t.workspaceId, t.stage, t.createdAt, t.id),
    index("contacts_source").on(t.workspaceId, t.source, t.createdAt, t.id),
    index("contacts_site").on(t.siteId).where(sql`${t.siteId} IS NOT NULL`),
  ],
);

/** One row per (contact, tag), written by trigger from `contacts.tags`; serves tag filters and counts. */
export const contactTags = sqliteTable(
  "contact_tags",
  {
    contactId: text("contact_id").notNull(),
    workspaceId: text("workspace_id").notNull(),
    tag: text("tag").notNull(),
    /** The contact's creation time (it never changes), so a tag's contacts come newest first from the index. */
    createdAt: text("created_at").notNull().default(""),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.tag] }),
    index("contact_tags_tag_created").on(t.workspaceId, t.tag, t.createdAt, t.contactId),
  ],
);

/** Deleted contacts, kept 30 days so sync clients can learn about deletions. */
export const contactTombstones = sqliteTable(
  "contact_tombstones",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    contactId: text("contact_id").notNull(),
    deletedAt: text("deleted_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.contactId] }),
    index("contact_tombstones_deleted").on(t.workspaceId, t.deletedAt, t.contactId),
  ],
);

/** Public business cards. `handle` is the current one; every handle ever used is in `profile_handles`. */
export const profiles = sqliteTable(
  "profiles",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    handle: text("handle").notNull(),
    name: text("name").notNull(),
    title: text("title"),
    company: text("company"),
    location: text("location"),
    photoUrl: text("photo_url"),
    email: text("email"),
    phone: text("phone"),
    website: text("website"),
    bio: text("bio"),
    public: integer("public", { mode: "boolean" }).notNull(),
    /** Workspace analytics roll-up of this profile's scans, by source (the exact counts live in its ScanCounter). */
    scansQrScan: integer("scans_qr_scan").notNull().default(0),
    scansWeb: integer("scans_web").notNull().default(0),
    scansMcp: integer("scans_mcp").notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex("profiles_handle").on(t.handle), index("profiles_workspace").on(t.workspaceId, t.createdAt, t.id)],
);

/** Every handle a profile has had: old ones keep redirecting and are never given to anyone else. */
export const profileHandles = sqliteTable("profile_handles", {
  handle: text("handle").primaryKey(),
  profileId: text("profile_id")
    .notNull()
    .references(() => profiles.id, { onDelete: "cascade" }),
});

/** Scan events (kept 90 days): source, referrer host and time only — no IP, no user agent. */
export const scans = sqliteTable(
  "scans",
  {
    id: text("id").primaryKey(),
    profileId: text("profile_id")
      .notNull()
      .references(() => profiles.id, { onDelete: "cascade" }),
    /** The profile owner's workspace: scans belong to the owner's analytics. */
    workspaceId: text("workspace_id").notNull(),
    source: text("source", { enum: ["qr_scan", "web", "mcp"] }).notNull(),
    referrer: text("referrer"),
    scannedAt: text("scanned_at").notNull(),
  },
  (t) => [
    index("scans_workspace").on(t.workspaceId, t.scannedAt, t.id),
    index("scans_profile").on(t.profileId, t.scannedAt, t.id),
    index("scans_workspace_source").on(t.workspaceId, t.source, t.scannedAt, t.id),
  ],
);

/** Idempotency-Key records: the first completed answer to a POST, replayed for 24 hours. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 of method, path and raw body: a reuse with anything else is refused. */
    requestHash: text("request_hash").notNull(),
    /** Null while the first request is still being processed. */
    status: integer("status"),
    responseBody: text("response_body"),
    responseHeaders: text("response_headers", { mode: "json" }).$type<Record<string, string>>(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.key] }), index("idempotency_keys_expiry").on(t.expiresAt)],
);

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

export type Workspace = typeof workspaces.$inferSelect;
export type Webhook = typeof webhooks.$inferSelect;
export type Profile = typeof profiles.$inferSelect;
export type Scan = typeof scans.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type Site = typeof sites.$inferSelect;
export type ContactRow = typeof contacts.$inferSelect;
export type NewContactRow = typeof contacts.$inferInsert;
