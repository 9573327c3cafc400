import { renderSVG } from "uqr";
import type { AppRouteHandler } from "../keys/app-env";
import { publicBaseUrl } from "../lib/config";
import { notFound } from "../lib/errors";
import { ifMatchRow, jsonWithEtag } from "../lib/etag";
import { pageOf, readListQuery } from "../lib/pagination";
import {
  createProfile,
  deleteProfile,
  findVisibleProfile,
  listProfiles,
  requireOwnProfile,
  toProfile,
  updateProfile,
} from "./profiles.data";
import type * as routes from "./profiles.routes";
import { ProfilesQuery } from "./profiles.routes";

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const profile = await createProfile(c.var.db, c.var.caller.workspace.id, c.req.valid("json"));
  return jsonWithEtag(c, toProfile(profile), 201);
};

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { page } = readListQuery(c.req.query(), ProfilesQuery, "profiles");
  const { rows, total } = await listProfiles(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (p) => [p.createdAt, p.id], toItem: toProfile, total }), 200);
};

export const get: AppRouteHandler<typeof routes.get> = async (c) => {
  const profile = await findVisibleProfile(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  if (!profile) throw notFound("Profile");
  return jsonWithEtag(c, toProfile(profile), 200);
};

export const patch: AppRouteHandler<typeof routes.patch> = async (c) => {
  const profile = await updateProfile(
    c.var.db,
    c.var.caller.workspace.id,
    c.req.valid("param").id,
    c.req.valid("json"),
    ifMatchRow(c, toProfile),
  );
  return jsonWithEtag(c, toProfile(profile), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await deleteProfile(c.var.db, c.var.caller.workspace.id, id, ifMatchRow(c, toProfile)))) throw notFound("Profile");
  // Its counts go with it (the ScanCounter object is the scans feature's; its binding is the interface).
  await c.env.SCAN_COUNTER.get(c.env.SCAN_COUNTER.idFromName(id)).clear();
  return c.json({ success: true as const, id }, 200);
};

export const qr: AppRouteHandler<typeof routes.qr> = async (c) => {
  const profile = await requireOwnProfile(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  const svg = renderSVG(`${publicBaseUrl(c.env, c.req.url)}/q/${profile.handle}`, { ecc: "M", border: 4, pixelSize: 8 });
  return c.body(svg, 200, { "Content-Type": "image/svg+xml; charset=utf-8", "Cache-Control": "private, max-age=300" });
};
