import { and, asc, eq, sql } from "drizzle-orm";
import { findFirst, selectPage } from "../lib/db/pages";
import { type Db, rowCount } from "../lib/db/runner";
import type { PageRequest } from "../lib/pagination";
import { heldLeads } from "./leads.table";

export type HeldLead = typeof heldLeads.$inferSelect;

export function toHeldLead(h: HeldLead) {
  return { id: h.id, profile_id: h.profileId, lead: h.lead, consent_at: h.consentAt, created_at: h.createdAt };
}

/** The workspace's held leads (shared on its cards while it was at its plan's limit), newest first. */
export const listHeldLeads = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, heldLeads, eq(heldLeads.workspaceId, workspaceId), [heldLeads.createdAt, heldLeads.id], page);

export const findHeldLead = (db: Db, workspaceId: string, id: string) =>
  findFirst(db, heldLeads, and(eq(heldLeads.workspaceId, workspaceId), eq(heldLeads.id, id)));

/** Forgets a held lead (its owner does not want it); whether there was one. */
export async function discardHeldLead(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const gone = await db.all(
    db.orm
      .delete(heldLeads)
      .where(and(eq(heldLeads.workspaceId, workspaceId), eq(heldLeads.id, id)))
      .returning({ id: heldLeads.id }),
  );
  return gone.length > 0;
}

/** A workspace's oldest held leads, first held first released. */
export const oldestHeldLeads = (db: Db, workspaceId: string, limit: number) =>
  db.all(
    db.orm
      .select()
      .from(heldLeads)
      .where(eq(heldLeads.workspaceId, workspaceId))
      .orderBy(asc(heldLeads.createdAt), asc(heldLeads.id))
      .limit(rowCount(limit)),
  );

/** The workspaces holding leads that have room for another contact now. */
export async function workspacesWithRoom(db: Db): Promise<string[]> {
  const rows = await db.all(
    db.orm.all<{ id: string }>(sql`SELECT w.id AS id FROM workspaces AS w
      WHERE w.id IN (SELECT DISTINCT workspace_id FROM held_leads)
        AND (w.contact_limit IS NULL OR w.contact_count < w.contact_limit)`),
  );
  return rows.map((r) => r.id);
}
