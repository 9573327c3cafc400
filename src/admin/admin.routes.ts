import { createRoute, z } from "@hono/zod-openapi";
import { ApiKeyCreatedSchema } from "../keys/keys.routes";
import { DeletedSchema, errorResponses, json, jsonBody, NO_QUERY } from "../lib/openapi";
import { idParam } from "../lib/params";
import { text } from "../lib/validation";
import { noBody } from "../middleware/json-body";
import { PLANS } from "../workspaces/plans";
import { adminAuth } from "./admin-auth";

const tags = ["Admin"];
const security = [{ AdminToken: [] }];
const middleware = [adminAuth()];
/** An admin operation without a body refuses one (a minted key cannot be asked for fewer permissions, say). */
const withoutBody = [adminAuth(), noBody()];
const params = idParam("Workspace");

export const WorkspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.enum(PLANS),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Workspace");

const WorkspaceCreateSchema = z.strictObject({ name: text(256, 1), plan: z.enum(PLANS).default("free") }).openapi("WorkspaceCreate");
const WorkspacePatchSchema = z.strictObject({ name: text(256, 1).optional(), plan: z.enum(PLANS).optional() }).openapi("WorkspacePatch");

const Provisioned = z.object({ workspace: WorkspaceSchema, api_key: ApiKeyCreatedSchema }).openapi("ProvisionedWorkspace");

export const createWorkspace = createRoute({
  method: "post",
  path: "/workspaces",
  tags,
  operationId: "createWorkspace",
  summary: "Create a workspace and its first all-permission API key",
  description:
    "Creates a workspace on a plan (`free` 100 contacts, `pro` 10,000, `business` unlimited) and answers its first key, holding every permission, once.",
  security,
  middleware,
  request: { query: NO_QUERY, body: jsonBody(WorkspaceCreateSchema) },
  responses: { 201: json(Provisioned, "The workspace and its key (shown once)"), ...errorResponses(400, 401, 413, 415) },
});

export const getWorkspace = createRoute({
  method: "get",
  path: "/workspaces/{id}",
  tags,
  operationId: "getWorkspace",
  summary: "Get a workspace",
  description: "A workspace's id, name, plan and times.",
  security,
  middleware,
  request: { params, query: NO_QUERY },
  responses: { 200: json(WorkspaceSchema, "The workspace"), ...errorResponses(401, 404) },
});

export const patchWorkspace = createRoute({
  method: "patch",
  path: "/workspaces/{id}",
  tags,
  operationId: "updateWorkspace",
  summary: "Rename a workspace or change its plan",
  description: "Renames a workspace or changes its plan; its contact limit follows the plan.",
  security,
  middleware,
  request: { params, query: NO_QUERY, body: jsonBody(WorkspacePatchSchema) },
  responses: { 200: json(WorkspaceSchema, "The workspace"), ...errorResponses(400, 401, 404, 413, 415) },
});

export const mintKey = createRoute({
  method: "post",
  path: "/workspaces/{id}/api-keys",
  tags,
  operationId: "mintWorkspaceKey",
  summary: "Mint a new all-permission key (recovery when every key was revoked)",
  description: "A new key holding every permission, answered once: the way back in when every key was revoked.",
  security,
  middleware: withoutBody,
  request: { params, query: NO_QUERY },
  responses: { 201: json(ApiKeyCreatedSchema, "The key (shown once)"), ...errorResponses(401, 404) },
});

export const deleteWorkspace = createRoute({
  method: "delete",
  path: "/workspaces/{id}",
  tags,
  operationId: "deleteWorkspace",
  summary: "Delete a workspace and everything in it",
  description: "Deletes the workspace and everything in it: contacts, profiles, scans, sites, webhooks, keys.",
  security,
  middleware: withoutBody,
  request: { params, query: NO_QUERY },
  responses: {
    200: json(DeletedSchema, "Deleted"),
    ...errorResponses(401, 404),
  },
});

const ResealSchema = z
  .object({
    key_id: z.string().openapi({ description: "The key of `WEBHOOK_SECRET_KEYS` that seals every secret rewritten (the first)." }),
    resealed: z.number().int().openapi({ description: "Endpoints whose secrets this call re-encrypted." }),
    remaining: z.number().int().openapi({ description: "Endpoints still sealed with an older configured key: call again until 0." }),
    unopenable: z.array(z.string()).openapi({
      description:
        "Endpoints (the first 100 ids) with a live secret sealed with a key no longer in `WEBHOOK_SECRET_KEYS`, or that did not open while being re-encrypted (damaged): put that key back and call again, or have the workspace rotate the endpoint's secret.",
    }),
  })
  .openapi("WebhookSecretsResealed");

export const resealWebhookSecrets = createRoute({
  method: "post",
  path: "/webhook-secrets/reseal",
  tags,
  operationId: "resealWebhookSecrets",
  summary: "Re-encrypt webhook signing secrets with the current key",
  description:
    "After a new key is put first in `WEBHOOK_SECRET_KEYS`: re-encrypts the signing secrets (current and, within their overlap, previous) still sealed with an older key, up to 100 endpoints a call. When `remaining` is 0 and `unopenable` is empty, the older keys can be removed. The secrets themselves, the endpoints' `updated_at` and ETags do not change.",
  security,
  middleware: withoutBody,
  request: { query: NO_QUERY },
  responses: { 200: json(ResealSchema, "What was re-encrypted and what is left"), ...errorResponses(401) },
});
