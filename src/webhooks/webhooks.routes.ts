import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { DeletedSchema, errorResponses, json, jsonBody, jsonWithETag, NOT_MODIFIED } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { text, withAliases } from "../lib/validation";
import { EVENT_TYPES } from "./outbox.data";

const tags = ["Webhooks"];
const params = idParam("Webhook");

const eventList = z
  .array(z.enum(["*", ...EVENT_TYPES]))
  .min(1)
  .max(EVENT_TYPES.length + 1)
  .transform((events) => [...new Set(events)]);

/** Checked in full (scheme, host, address ranges) by `webhookUrlProblem` in the handler, with the deployment's settings. */
const url = z.string().min(1).max(2048).openapi({ format: "uri", description: "https only; no private, loopback or link-local targets." });

export const WebhookCreateSchema = withAliases(
  z.strictObject({ url, events: eventList, description: text(256).nullable().optional() }),
).openapi("WebhookCreate");

export const WebhookPatchSchema = withAliases(
  z.strictObject({
    url: url.optional(),
    events: eventList.optional(),
    description: text(256).nullable().optional(),
    enabled: z.boolean().optional(),
  }),
  {},
  ["id", "created_at", "updated_at", "disabled_reason"],
).openapi("WebhookPatch");

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Webhook");

const WithSecret = WebhookSchema.extend({
  secret: z.string().openapi({ description: "`whsec_…`; shown only in this answer." }),
}).openapi("WebhookWithSecret");

export const DeliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    attempt: z.number().int(),
    status: z.number().int().nullable(),
    duration_ms: z.number().int(),
    error: z.string().nullable(),
    attempted_at: z.string(),
  })
  .openapi("WebhookDelivery");

export const WebhooksQuery = listQuery({});

export const create = apiRoute(
  { permission: "webhooks:manage", withhold: ["secret"] },
  {
    method: "post",
    path: "/webhooks",
    tags,
    operationId: "createWebhook",
    summary: "Register a webhook endpoint",
    description:
      "An https endpoint (no private or local addresses) and the events it receives. Answers the signing secret (`whsec_…`) once; it is kept only encrypted.",
    request: { body: jsonBody(WebhookCreateSchema) },
    responses: { 201: json(WithSecret, "The endpoint and its signing secret (shown once)"), ...errorResponses(400, 401, 403, 413, 415) },
  },
);
export const list = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "get",
    path: "/webhooks",
    tags,
    operationId: "listWebhooks",
    summary: "List webhook endpoints",
    description: "The workspace's endpoints, newest first (never their secrets).",
    request: { query: WebhooksQuery.doc },
    responses: { 200: json(listOf(WebhookSchema, "WebhookList"), "Endpoints"), ...errorResponses(400, 401, 403) },
  },
);
export const get = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "get",
    path: "/webhooks/{id}",
    tags,
    operationId: "getWebhook",
    summary: "Get a webhook endpoint",
    description: "One endpoint, with an `ETag`.",
    request: { params },
    responses: { 200: jsonWithETag(WebhookSchema, "The endpoint"), 304: NOT_MODIFIED, ...errorResponses(401, 403, 404) },
  },
);
export const patch = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "patch",
    path: "/webhooks/{id}",
    tags,
    operationId: "updateWebhook",
    summary: "Change a webhook endpoint (enabled: true re-enables it)",
    description:
      "Changes the URL, events or description; `enabled: true` re-enables an endpoint that was disabled (and clears its failure streak). With `If-Match`, 412 when it changed.",
    request: { params, body: jsonBody(WebhookPatchSchema) },
    responses: { 200: jsonWithETag(WebhookSchema, "The endpoint"), ...errorResponses(400, 401, 403, 404, 412, 413, 415) },
  },
);
export const remove = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "delete",
    path: "/webhooks/{id}",
    tags,
    operationId: "deleteWebhook",
    summary: "Delete a webhook endpoint",
    description: "Deletes the endpoint with its delivery log. With `If-Match`, 412 when it changed.",
    request: { params },
    responses: { 200: json(DeletedSchema, "Deleted"), ...errorResponses(401, 403, 404, 412) },
  },
);
export const rotate = apiRoute(
  { permission: "webhooks:manage", withhold: ["secret"] },
  {
    method: "post",
    path: "/webhooks/{id}/rotate-secret",
    tags,
    operationId: "rotateWebhookSecret",
    summary: "Rotate the signing secret",
    description:
      "The old secret keeps signing too (a second signature) for 24 hours. Two rotations of one endpoint at once: the first wins, the other is 409.",
    request: { params },
    responses: {
      200: json(
        WithSecret.extend({
          previous_secret_expires_at: z.string().nullable().openapi({
            description:
              "Until when the old secret signs too; null when it is not kept (it was sealed with an encryption key since removed, so it could sign nothing).",
          }),
        }).openapi("RotatedWebhook"),
        "The new secret (shown once)",
      ),
      ...errorResponses(401, 403, 404, 409),
    },
  },
);
export const test = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "post",
    path: "/webhooks/{id}/test",
    tags,
    operationId: "sendWebhookTest",
    summary: "Send a `webhook.test` event to this endpoint",
    description: "Queues a `webhook.test` event for this endpoint only; the delivery appears in its log.",
    request: { params },
    responses: { 202: json(z.object({ event_id: z.string() }), "Queued"), ...errorResponses(401, 403, 404) },
  },
);
export const deliveries = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "get",
    path: "/webhooks/{id}/deliveries",
    tags,
    operationId: "listWebhookDeliveries",
    summary: "Delivery attempts, newest first",
    description: "Every delivery attempt, newest first: status (null when no answer came), duration and error.",
    request: { params, query: WebhooksQuery.doc },
    responses: { 200: json(listOf(DeliverySchema, "WebhookDeliveryList"), "Attempts"), ...errorResponses(400, 401, 403, 404) },
  },
);
export const retry = apiRoute(
  { permission: "webhooks:manage" },
  {
    method: "post",
    path: "/webhooks/{id}/deliveries/{delivery_id}/retry",
    tags,
    operationId: "retryWebhookDelivery",
    summary: "Deliver that attempt's message again",
    description: "Puts the message behind a logged attempt back in the queue (with its `webhook-id`), whatever its state.",
    request: { params: params.extend(idParam("Delivery", "delivery_id").shape) },
    responses: { 202: json(z.object({ message_id: z.string() }), "Queued"), ...errorResponses(401, 403, 404) },
  },
);
