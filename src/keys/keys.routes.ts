import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { DeletedSchema, errorResponses, json, jsonBody } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { text } from "../lib/validation";
import { PLANS } from "../workspaces/plans";
import { PERMISSIONS } from "./caller";

const tags = ["API keys"];

const permission = z.enum(PERMISSIONS);

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, for recognising it." }),
    permissions: z.array(permission),
    created_at: z.string(),
    last_used_at: z.string().nullable().openapi({ description: "Refreshed at most once a minute." }),
  })
  .openapi("ApiKey");

export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The full key. Shown only in this answer; store it now." }),
}).openapi("ApiKeyCreated");

const ApiKeyCreateSchema = z
  .strictObject({
    name: text(256, 1),
    permissions: z.array(permission).min(1).max(PERMISSIONS.length),
  })
  .openapi("ApiKeyCreate");

export const createKey = apiRoute(
  { permission: "keys:manage", withhold: ["key"] },
  {
    method: "post",
    path: "/api-keys",
    tags,
    operationId: "createApiKey",
    summary: "Create an API key",
    description: "Permission `keys:manage`. A key can only grant permissions it holds itself.",
    request: { body: jsonBody(ApiKeyCreateSchema) },
    responses: { 201: json(ApiKeyCreatedSchema, "The key (shown once)"), ...errorResponses(400, 401, 403, 413, 415) },
  },
);

export const KeysQuery = listQuery({});

export const listKeys = apiRoute(
  { permission: "keys:manage" },
  {
    method: "get",
    path: "/api-keys",
    tags,
    operationId: "listApiKeys",
    summary: "List the workspace's live API keys",
    description: "The workspace's keys that are not revoked, newest first: never the key itself, only its display prefix.",
    request: { query: KeysQuery.doc },
    responses: { 200: json(listOf(ApiKeySchema, "ApiKeyList"), "Keys, newest first"), ...errorResponses(400, 401, 403) },
  },
);

export const revokeKey = apiRoute(
  { permission: "keys:manage" },
  {
    method: "delete",
    path: "/api-keys/{id}",
    tags,
    operationId: "revokeApiKey",
    summary: "Revoke an API key",
    description: "The key answers 401 from then on.",
    request: { params: idParam("API key", "id") },
    responses: {
      200: json(DeletedSchema, "Revoked"),
      ...errorResponses(401, 403, 404),
    },
  },
);

export const MeSchema = z
  .object({
    workspace: z.object({ id: z.string(), name: z.string(), plan: z.enum(PLANS) }),
    api_key: ApiKeySchema.pick({ id: true, name: true, prefix: true, permissions: true }),
  })
  .openapi("Me");

export const me = apiRoute(
  { permission: null },
  {
    method: "get",
    path: "/me",
    tags,
    operationId: "getMe",
    summary: "The calling key and its workspace",
    description: "The calling key (its name, prefix and permissions) and its workspace (id, name, plan). Any key may call it.",
    responses: { 200: json(MeSchema, "Who is calling"), ...errorResponses(401) },
  },
);
