import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Source } from "../contacts/contacts.fields";
import { profiles } from "../profiles/profiles.table";

/** Where a scan came from: the contact sources that a visit to a card can be. */
export const SCAN_SOURCES = ["qr_scan", "web", "mcp"] as const satisfies readonly Source[];
export type ScanSource = (typeof SCAN_SOURCES)[number];

/** The class of device a scan came from, read from its user agent (which is not kept). */
export const DEVICES = ["mobile", "tablet", "desktop", "other"] as const;
export type Device = (typeof DEVICES)[number];

/** The country of a scan whose country is not known. */
export const UNKNOWN_COUNTRY = "XX";

/** Scan events (kept 90 days): source, referrer host, country, device class and time only — no IP, no user agent. */
export const scans = sqliteTable(
  "scans",
  {
    id: text("id").primaryKey(),
    profileId: text("profile_id")
      .notNull()
      .references(() => profiles.id, { onDelete: "cascade" }),
    /** The profile owner's workspace: scans belong to the owner's analytics. */
    workspaceId: text("workspace_id").notNull(),
    source: text("source", { enum: SCAN_SOURCES }).notNull(),
    referrer: text("referrer"),
    /** ISO 3166-1 alpha-2, or `XX`; scans recorded before countries were kept are `XX`. */
    country: text("country").notNull().default(UNKNOWN_COUNTRY),
    device: text("device", { enum: DEVICES }).notNull().default("other"),
    scannedAt: text("scanned_at").notNull(),
  },
  (t) => [
    index("scans_workspace").on(t.workspaceId, t.scannedAt, t.id),
    index("scans_profile").on(t.profileId, t.scannedAt, t.id),
    index("scans_workspace_source").on(t.workspaceId, t.source, t.scannedAt, t.id),
  ],
);

export type Scan = typeof scans.$inferSelect;
