import type { AppRouteHandler } from "../keys/app-env";
import { pageOf, readListQuery } from "../lib/pagination";
import { listHeldLeads, toHeldLead } from "./leads.data";
import type * as routes from "./leads.routes";
import { HeldLeadsQuery } from "./leads.routes";

export const listHeld: AppRouteHandler<typeof routes.listHeld> = async (c) => {
  const { page } = readListQuery(c.req.query(), HeldLeadsQuery, "leads/held");
  const { rows, total } = await listHeldLeads(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (h) => [h.createdAt, h.id], toItem: toHeldLead, total }), 200);
};
