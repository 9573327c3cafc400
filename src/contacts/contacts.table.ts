import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "../lib/db/columns";
import { sites } from "../sites/sites.table";
import { workspaces } from "../workspaces/workspaces.table";

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
    /** The profile whose public card the person shared their details on (a captured lead). */
    capturedByProfileId: text("captured_by_profile_id"),
    /** When the person consented to share their details with the card's owner. */
    consentAt: text("consent_at"),
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

/**
 * One row per (contact, custom field key) with a value that is not null, written by trigger from
 * `contacts.custom_fields`; serves the `custom_fields.{key}` filters. A string is kept as
 * `value_text`, a boolean as `value_text` `true` or `false`, a number as `value_num`.
 */
export const contactCustomFields = sqliteTable(
  "contact_custom_fields",
  {
    contactId: text("contact_id").notNull(),
    workspaceId: text("workspace_id").notNull(),
    key: text("key").notNull(),
    valueText: text("value_text"),
    valueNum: real("value_num"),
  },
  (t) => [
    primaryKey({ columns: [t.contactId, t.key] }),
    index("contact_custom_fields_text").on(t.workspaceId, t.key, t.valueText, t.contactId),
    index("contact_custom_fields_num").on(t.workspaceId, t.key, t.valueNum, t.contactId).where(sql`${t.valueNum} IS NOT NULL`),
  ],
);

/**
 * How many contacts of a workspace share a name and company (`sort_name`, and the company trimmed
 * and lower-cased), kept by trigger; the groups of two or more are the duplicates
 * `GET /contacts/duplicates` lists, found in their own partial index.
 */
export const contactNameCompanies = sqliteTable(
  "contact_name_companies",
  {
    workspaceId: text("workspace_id").notNull(),
    sortName: text("sort_name").notNull(),
    companyKey: text("company_key").notNull(),
    contacts: integer("contacts").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.sortName, t.companyKey] }),
    index("contact_name_companies_shared").on(t.workspaceId, t.sortName, t.companyKey, t.contacts).where(sql`${t.contacts} > 1`),
  ],
);

/** Deleted contacts, kept 30 days so sync clients can learn about deletions (and merges). */
export const contactTombstones = sqliteTable(
  "contact_tombstones",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    contactId: text("contact_id").notNull(),
    deletedAt: text("deleted_at").notNull(),
    /** The contact this one was merged into, when a merge deleted it. */
    mergedInto: text("merged_into"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.contactId] }),
    index("contact_tombstones_deleted").on(t.workspaceId, t.deletedAt, t.contactId),
  ],
);

export type ContactRow = typeof contacts.$inferSelect;
export type NewContactRow = typeof contacts.$inferInsert;
