import type { AppRouteHandler } from "../keys/app-env";
import { notFound } from "../lib/errors";
import { ifMatchRow, jsonWithEtag } from "../lib/etag";
import { pageOf, readListQuery } from "../lib/pagination";
import { createSite, deleteSite, findSite, listSites, renameSite } from "./sites.data";
import type * as routes from "./sites.routes";
import { SitesQuery } from "./sites.routes";
import type { Site } from "./sites.table";

const toSite = (s: Site) => ({ id: s.id, title: s.title, created_at: s.createdAt, updated_at: s.updatedAt });

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { page } = readListQuery(c.req.query(), SitesQuery, "sites");
  const { rows, total } = await listSites(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (s) => [s.createdAt, s.id], toItem: toSite, total }), 200);
};

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const site = await createSite(c.var.db, c.var.caller.workspace.id, c.req.valid("json").title);
  return jsonWithEtag(c, toSite(site), 201);
};

export const get: AppRouteHandler<typeof routes.get> = async (c) => {
  const site = await findSite(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  if (!site) throw notFound("Site");
  return jsonWithEtag(c, toSite(site), 200);
};

export const patch: AppRouteHandler<typeof routes.patch> = async (c) => {
  const site = await renameSite(
    c.var.db,
    c.var.caller.workspace.id,
    c.req.valid("param").id,
    c.req.valid("json").title,
    ifMatchRow(c, toSite),
  );
  if (!site) throw notFound("Site");
  return jsonWithEtag(c, toSite(site), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteSite(c.var.db, c.var.caller.workspace.id, id, ifMatchRow(c, toSite)))) throw notFound("Site");
  return c.json({ success: true as const, id }, 200);
};
