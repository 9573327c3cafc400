import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { workspaces } from "../workspaces/workspaces.table";

/** What a visitor shares on a card's lead form (validated). */
export interface SharedDetails {
  name: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  job_title: string | null;
  note: string | null;
  /** `qr` when the visit came through the card's QR code. */
  via: "qr" | "web";
}

/**
 * Details a visitor shared on a card while its owner's workspace was at its plan's contact limit:
 * kept, never lost, until the owner makes room (docs/api.md, "Lead capture").
 */
export const heldLeads = sqliteTable(
  "held_leads",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    profileId: text("profile_id").notNull(),
    /** The submission as the form sent it (validated): name, email, phone, company, job_title, note, via. */
    lead: text("lead", { mode: "json" }).$type<SharedDetails>().notNull(),
    consentAt: text("consent_at").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("held_leads_workspace").on(t.workspaceId, t.createdAt, t.id)],
);
