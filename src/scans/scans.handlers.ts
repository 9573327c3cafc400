import type { AppRouteHandler } from "../lib/openapi";
import type * as routes from "./scans.routes";
import { workspaceScanTotals } from "../profiles/profiles.data";
import { listScans, newScan, recordScan, toScan } from "./scans.data";
import { contactsBySource } from "../contacts/contacts.data";
import { notFound } from "../lib/errors";
import { pageOf, readListQuery } from "../lib/pagination";
import { ScansQuery } from "./scans.routes";

export const record: AppRouteHandler<typeof routes.record> = async (c) => {
  const body = c.req.valid("json");
  const { workspace, apiKey } = c.var.caller;
  // The profile's ScanCounter checks visibility and the key in the same batch that writes the scan.
  const caller = { workspaceId: workspace.id, apiKeyId: apiKey.id };
  const result = await recordScan(c.env.SCAN_COUNTER, newScan(body.profile_id, body.source, body.referrer ?? null, caller));
  c.var.liveKey?.settle(result.keyLive);
  if (!result.recorded) throw notFound("Profile");
  return c.json({ ...toScan(result.scan), counts: result.counts }, 201);
};

export const recent: AppRouteHandler<typeof routes.recent> = async (c) => {
  const { query, page } = readListQuery(c.req.query(), ScansQuery, "contacts/scans");
  const { rows, total, totalExact } = await listScans(c.var.db, c.var.caller.workspace.id, query, page);
  return c.json(pageOf(rows, page, { keyOf: (s) => [s.scannedAt, s.id], toItem: toScan, total, totalExact }), 200);
};

export const sources: AppRouteHandler<typeof routes.sources> = async (c) => {
  const workspaceId = c.var.caller.workspace.id;
  const [contacts, scans] = await Promise.all([contactsBySource(c.var.db, workspaceId), workspaceScanTotals(c.var.db, workspaceId)]);
  return c.json({ contacts, scans }, 200);
};
