import { and, eq } from "drizzle-orm";
import { findFirst, selectPage, unchangedSince } from "../lib/db/pages";
import type { Db } from "../lib/db/runner";
import { type Precondition, preconditionFailed } from "../lib/etag";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import { type Site, sites } from "./sites.table";

const bySite = (workspaceId: string, id: string) => and(eq(sites.workspaceId, workspaceId), eq(sites.id, id));

export async function createSite(db: Db, workspaceId: string, title: string): Promise<Site> {
  const now = nowIso();
  const site: Site = { id: uuidv7(), workspaceId, title, createdAt: now, updatedAt: now };
  await db.run(db.orm.insert(sites).values(site));
  return site;
}

export const findSite = (db: Db, workspaceId: string, id: string) => findFirst(db, sites, bySite(workspaceId, id));

export const listSites = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, sites, eq(sites.workspaceId, workspaceId), [sites.createdAt, sites.id], page);

/** Renames the site; undefined when there is none. With If-Match, 412 when it changed since. */
export async function renameSite(db: Db, workspaceId: string, id: string, title: string, expect?: Precondition<Site>) {
  const unchanged = expect && (await unchangedSince(db, sites, bySite(workspaceId, id), expect, "Site"));
  const row = await db.first(
    db.orm
      .update(sites)
      .set({ title, updatedAt: nowIso() })
      .where(and(bySite(workspaceId, id), unchanged))
      .returning(),
  );
  if (!row && unchanged) throw preconditionFailed();
  return row;
}

/** Deletes the site; its contacts keep existing with `site` null (ON DELETE SET NULL). */
export async function deleteSite(db: Db, workspaceId: string, id: string, expect?: Precondition<Site>): Promise<boolean> {
  const unchanged = expect && (await unchangedSince(db, sites, bySite(workspaceId, id), expect, "Site"));
  const rows = await db.all(
    db.orm
      .delete(sites)
      .where(and(bySite(workspaceId, id), unchanged))
      .returning({ id: sites.id }),
  );
  if (rows.length === 0 && unchanged) throw preconditionFailed();
  return rows.length > 0;
}
