import { and, eq } from "drizzle-orm";
import { findFirst, type Database } from "../lib/db/client";
import { selectPage } from "../lib/db/pages";
import { sites, type Site } from "./sites.table";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";

export async function createSite(db: Database, workspaceId: string, title: string): Promise<Site> {
  const now = nowIso();
  const site: Site = { id: uuidv7(), workspaceId, title, createdAt: now, updatedAt: now };
  await db.insert(sites).values(site);
  return site;
}

export const findSite = (db: Database, workspaceId: string, id: string) =>
  findFirst(db, sites, and(eq(sites.workspaceId, workspaceId), eq(sites.id, id)));

export const listSites = (db: Database, workspaceId: string, page: PageRequest) =>
  selectPage(db, sites, eq(sites.workspaceId, workspaceId), [sites.createdAt, sites.id], page);

export async function renameSite(db: Database, workspaceId: string, id: string, title: string) {
  const [row] = await db
    .update(sites)
    .set({ title, updatedAt: nowIso() })
    .where(and(eq(sites.workspaceId, workspaceId), eq(sites.id, id)))
    .returning();
  return row;
}

/** Deletes the site; its contacts keep existing with `site` null (ON DELETE SET NULL). */
export async function deleteSite(db: Database, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(sites)
    .where(and(eq(sites.workspaceId, workspaceId), eq(sites.id, id)))
    .returning({ id: sites.id });
  return rows.length > 0;
}
