import { eq } from "drizzle-orm";
import { selectPage } from "../lib/db/pages";
import type { Db } from "../lib/db/runner";
import type { PageRequest } from "../lib/pagination";
import { heldLeads } from "./leads.table";

export type HeldLead = typeof heldLeads.$inferSelect;

export function toHeldLead(h: HeldLead) {
  return { id: h.id, profile_id: h.profileId, lead: h.lead, consent_at: h.consentAt, created_at: h.createdAt };
}

/** The workspace's held leads (shared on its cards while it was at its plan's limit), newest first. */
export const listHeldLeads = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, heldLeads, eq(heldLeads.workspaceId, workspaceId), [heldLeads.createdAt, heldLeads.id], page);
