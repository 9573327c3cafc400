import { contactsBySource } from "../contacts/contacts-lists.data";
import type { AppRouteHandler } from "../keys/app-env";
import { notFound } from "../lib/errors";
import { nowIso } from "../lib/ids";
import { pageOf, readListQuery } from "../lib/pagination";
import { requireOwnProfile, workspaceScanTotals } from "../profiles/profiles.data";
import { recordCheckedScan, scanCounter } from "./scan-counter";
import { listScans, newScan, pendingToScan, toScan } from "./scans.data";
import type * as routes from "./scans.routes";
import { ScansQuery } from "./scans.routes";
import { statsRange } from "./stats-range";

export const record: AppRouteHandler<typeof routes.record> = async (c) => {
  const body = c.req.valid("json");
  const origin = { country: body.country, device: body.device };
  const scan = newScan(body.profile_id, body.source, { referrer: body.referrer, origin, caller: c.var.caller.workspace.id });
  // The profile's ScanCounter checks the profile (and a cached key's proof) in D1, grouped with the
  // card's other scans, then records it: this request makes no round trip to D1 of its own.
  const proof = c.var.db.firstTripPending ? c.var.keyProof : undefined;
  const result = await recordCheckedScan(c.env, { scan, keyId: proof?.keyId });
  if (proof) {
    c.var.db.skipFirstTrip();
    proof.settle(result.keyLive);
  }
  if (!result.recorded) throw notFound("Profile");
  return c.json({ ...toScan(pendingToScan(scan, result.workspaceId)), counts: result.counts }, 201);
};

export const recent: AppRouteHandler<typeof routes.recent> = async (c) => {
  const { query, page } = readListQuery(c.req.query(), ScansQuery, "contacts/scans");
  const { rows, total, totalExact } = await listScans(c.var.db, c.var.caller.workspace.id, query, page);
  return c.json(pageOf(rows, page, { keyOf: (s) => [s.scannedAt, s.id], toItem: toScan, total, totalExact }), 200);
};

export const sources: AppRouteHandler<typeof routes.sources> = async (c) => {
  const workspaceId = c.var.caller.workspace.id;
  const [contacts, { leads, ...scans }] = await Promise.all([
    contactsBySource(c.var.db, workspaceId),
    workspaceScanTotals(c.var.db, workspaceId),
  ]);
  return c.json({ contacts, scans, leads }, 200);
};

export const stats: AppRouteHandler<typeof routes.stats> = async (c) => {
  const range = statsRange(c.req.valid("query"), nowIso());
  const profile = await requireOwnProfile(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  const { total, by_source, by_country, by_device, by_day } = await scanCounter(c.env.SCAN_COUNTER, profile.id).stats(range);
  return c.json({ total, leads: profile.leads, by_source, by_country, by_device, by_day }, 200);
};
