import type { AppRouteHandler } from "../keys/app-env";
import { PERMISSIONS } from "../keys/caller";
import { createApiKey } from "../keys/keys.data";
import { toApiKeyCreated } from "../keys/keys.handlers";
import { notFound } from "../lib/errors";
import { resealSecrets } from "../webhooks/webhooks.data";
import { findWorkspace, deleteWorkspace as remove, updateWorkspace } from "../workspaces/workspaces.data";
import type { Workspace } from "../workspaces/workspaces.table";
import { provisionWorkspace } from "./admin.data";
import type * as routes from "./admin.routes";

const toWorkspace = (w: Pick<Workspace, "id" | "name" | "plan" | "createdAt" | "updatedAt">) => ({
  id: w.id,
  name: w.name,
  plan: w.plan,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
});

export const createWorkspace: AppRouteHandler<typeof routes.createWorkspace> = async (c) => {
  const { workspace, apiKey } = await provisionWorkspace(c.var.db, c.req.valid("json"));
  return c.json({ workspace: toWorkspace(workspace), api_key: toApiKeyCreated(apiKey) }, 201);
};

export const getWorkspace: AppRouteHandler<typeof routes.getWorkspace> = async (c) => {
  const workspace = await findWorkspace(c.var.db, c.req.valid("param").id);
  if (!workspace) throw notFound("Workspace");
  return c.json(toWorkspace(workspace), 200);
};

export const patchWorkspace: AppRouteHandler<typeof routes.patchWorkspace> = async (c) => {
  const workspace = await updateWorkspace(c.var.db, c.req.valid("param").id, c.req.valid("json"));
  if (!workspace) throw notFound("Workspace");
  return c.json(toWorkspace(workspace), 200);
};

export const mintKey: AppRouteHandler<typeof routes.mintKey> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await findWorkspace(c.var.db, id))) throw notFound("Workspace");
  const created = await createApiKey(c.var.db, id, { name: "Recovery key", permissions: [...PERMISSIONS] });
  return c.json(toApiKeyCreated(created), 201);
};

export const deleteWorkspace: AppRouteHandler<typeof routes.deleteWorkspace> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await remove(c.var.db, id))) throw notFound("Workspace");
  return c.json({ success: true as const, id }, 200);
};

export const resealWebhookSecrets: AppRouteHandler<typeof routes.resealWebhookSecrets> = async (c) => {
  const result = await resealSecrets(c.var.db, c.env.WEBHOOK_SECRET_KEYS);
  return c.json({ key_id: result.keyId, resealed: result.resealed, remaining: result.remaining, unopenable: result.unopenable }, 200);
};
