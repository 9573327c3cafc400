import { ApiError, notFound } from "../lib/errors";
import { pageOf, readListQuery } from "../lib/pagination";
import type { AppRouteHandler } from "./app-env";
import { currentWorkspace } from "./auth";
import type { Permission } from "./caller";
import { createApiKey, listApiKeys, type NewApiKey, revokeApiKey } from "./keys.data";
import type * as routes from "./keys.routes";
import { KeysQuery } from "./keys.routes";
import type { ApiKey } from "./keys.table";

const toApiKey = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  permissions: k.permissions as Permission[],
  created_at: k.createdAt,
  last_used_at: k.lastUsedAt,
});

export const toApiKeyCreated = ({ key, row }: NewApiKey) => ({ ...toApiKey(row), key });

export const createKey: AppRouteHandler<typeof routes.createKey> = async (c) => {
  const { apiKey, workspace } = c.var.caller;
  const body = c.req.valid("json");
  const missing = body.permissions.filter((p) => !apiKey.permissions.includes(p));
  if (missing.length > 0) {
    throw new ApiError("forbidden", `${missing[0]} permission required to grant it`);
  }
  const created = await createApiKey(c.var.db, workspace.id, body);
  return c.json(toApiKeyCreated(created), 201);
};

export const listKeys: AppRouteHandler<typeof routes.listKeys> = async (c) => {
  const { page } = readListQuery(c.req.query(), KeysQuery, "api-keys");
  const { rows, total } = await listApiKeys(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (k) => [k.createdAt, k.id], toItem: toApiKey, total }), 200);
};

export const revokeKey: AppRouteHandler<typeof routes.revokeKey> = async (c) => {
  const { id } = c.req.valid("param");
  if (!(await revokeApiKey(c.var.db, c.var.caller.workspace.id, id))) throw notFound("API key");
  return c.json({ success: true as const, id }, 200);
};

export const me: AppRouteHandler<typeof routes.me> = async (c) => {
  const { apiKey } = c.var.caller;
  const workspace = await currentWorkspace(c);
  return c.json(
    {
      workspace: { id: workspace.id, name: workspace.name, plan: workspace.plan },
      api_key: { ...apiKey, permissions: apiKey.permissions as Permission[] },
    },
    200,
  );
};
