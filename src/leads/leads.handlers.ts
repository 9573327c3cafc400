import { parseContact } from "../contacts/contacts.data";
import { releaseHeldLead } from "../contacts/contacts-leads.data";
import type { AppRouteHandler } from "../keys/app-env";
import { notFound } from "../lib/errors";
import { pageOf, readListQuery } from "../lib/pagination";
import { discardHeldLead, findHeldLead, listHeldLeads, toHeldLead } from "./leads.data";
import type * as routes from "./leads.routes";
import { HeldLeadsQuery } from "./leads.routes";

export const listHeld: AppRouteHandler<typeof routes.listHeld> = async (c) => {
  const { page } = readListQuery(c.req.query(), HeldLeadsQuery, "leads/held");
  const { rows, total } = await listHeldLeads(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (h) => [h.createdAt, h.id], toItem: toHeldLead, total }), 200);
};

export const release: AppRouteHandler<typeof routes.release> = async (c) => {
  const workspaceId = c.var.caller.workspace.id;
  const held = await findHeldLead(c.var.db, workspaceId, c.req.valid("param").id);
  if (!held) throw notFound("Held lead");
  const saved = await releaseHeldLead(c.var.db, workspaceId, held);
  if (saved.outcome === "held") throw notFound("Held lead");
  return c.json({ outcome: saved.outcome, contact: parseContact(saved.contact) }, 200);
};

export const discard: AppRouteHandler<typeof routes.discard> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await discardHeldLead(c.var.db, c.var.caller.workspace.id, id))) throw notFound("Held lead");
  return c.json({ success: true as const, id }, 200);
};
