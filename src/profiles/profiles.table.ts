import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "../lib/db/columns";
import { workspaces } from "../workspaces/workspaces.table";

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
    /** Whether the public card offers visitors a form to share their details with the owner. */
    leadCapture: text("lead_capture", { enum: ["on", "off"] })
      .notNull()
      .default("on"),
    /** Workspace analytics roll-up of this profile's scans, by source (the exact counts live in its ScanCounter). */
    scansQrScan: integer("scans_qr_scan").notNull().default(0),
    scansWeb: integer("scans_web").notNull().default(0),
    scansMcp: integer("scans_mcp").notNull().default(0),
    /** Leads captured on this card's form (contacts created or updated, and leads held). */
    leads: integer("leads").notNull().default(0),
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

export type Profile = typeof profiles.$inferSelect;
