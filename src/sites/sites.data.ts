import { and, eq } from "drizzle-orm";
import { findFirst, selectPage } from "../lib/db/pages";
import type { Db } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import { type Site, sites } from "./sites.table";

export async function createSite(db: Db, workspaceId: string, title: string): Promise<Site> {
  const now = nowIso();
  const site: Site = { id: uuidv7(), workspaceId, title, createdAt: now, updatedAt: now };
  await db.run(db.orm.insert(sites).values(site));
  return site;
}

export const findSite = (db: Db, workspaceId: string, id: string) =>
  findFirst(db, sites, and(eq(sites.workspaceId, workspaceId), eq(sites.id, id)));

export const listSites = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, sites, eq(sites.workspaceId, workspaceId), [sites.createdAt, sites.id], page);

export async function renameSite(db: Db, workspaceId: string, id: string, title: string) {
  return db.first(
    db.orm
      .update(sites)
      .set({ title, updatedAt: nowIso() })
      .where(and(eq(sites.workspaceId, workspaceId), eq(sites.id, id)))
      .returning(),
  );
}

/** Deletes the site; its contacts keep existing with `site` null (ON DELETE SET NULL). */
export async function deleteSite(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db.all(
    db.orm
      .delete(sites)
      .where(and(eq(sites.workspaceId, workspaceId), eq(sites.id, id)))
      .returning({ id: sites.id }),
  );
  return rows.length > 0;
}
