import type { AppRouteHandler } from "../keys/app-env";
import { validationError } from "../lib/errors";
import { ifMatchRow, jsonWithEtag } from "../lib/etag";
import { pageOf, readListQuery } from "../lib/pagination";
import { flushOutbox, type WebhookJob } from "./delivery";
import { webhookUrlProblem } from "./ssrf";
import {
  createTestEvent,
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  reopenMessage,
  requireWebhook,
  rotateSecret,
  toDelivery,
  toWebhook,
  updateWebhook,
} from "./webhooks.data";
import type * as routes from "./webhooks.routes";
import { WebhooksQuery } from "./webhooks.routes";

function assertUrl(url: string | undefined, env: Env) {
  if (url === undefined) return;
  const problem = webhookUrlProblem(url, env.WEBHOOK_ALLOW_PRIVATE === "true");
  if (problem) throw validationError([{ field: "url", message: problem }]);
}

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const body = c.req.valid("json");
  assertUrl(body.url, c.env);
  const { row, secret } = await createWebhook(c.var.db, c.env.WEBHOOK_SECRET_KEYS, c.var.caller.workspace.id, body);
  return c.json({ ...toWebhook(row), secret }, 201);
};

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { page } = readListQuery(c.req.query(), WebhooksQuery, "webhooks");
  const { rows, total } = await listWebhooks(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (w) => [w.createdAt, w.id], toItem: toWebhook, total }), 200);
};

export const get: AppRouteHandler<typeof routes.get> = async (c) =>
  jsonWithEtag(c, toWebhook(await requireWebhook(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id)), 200);

export const patch: AppRouteHandler<typeof routes.patch> = async (c) => {
  const body = c.req.valid("json");
  assertUrl(body.url, c.env);
  const webhook = await updateWebhook(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id, body, ifMatchRow(c, toWebhook));
  return jsonWithEtag(c, toWebhook(webhook), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { id } = c.req.valid("param");
  await deleteWebhook(c.var.db, c.var.caller.workspace.id, id, ifMatchRow(c, toWebhook));
  return c.json({ success: true as const, id }, 200);
};

export const rotate: AppRouteHandler<typeof routes.rotate> = async (c) => {
  const { row, secret } = await rotateSecret(c.var.db, c.env.WEBHOOK_SECRET_KEYS, c.var.caller.workspace.id, c.req.valid("param").id);
  return c.json({ ...toWebhook(row), secret, previous_secret_expires_at: row.previousSecretExpiresAt }, 200);
};

export const test: AppRouteHandler<typeof routes.test> = async (c) => {
  const webhook = await requireWebhook(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  const eventId = await createTestEvent(c.var.db, webhook);
  await flushOutbox(c.env, c.var.db);
  return c.json({ event_id: eventId }, 202);
};

export const deliveries: AppRouteHandler<typeof routes.deliveries> = async (c) => {
  const webhook = await requireWebhook(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  const { page } = readListQuery(c.req.query(), WebhooksQuery, `webhooks/${webhook.id}/deliveries`);
  const { rows, total } = await listDeliveries(c.var.db, webhook.id, page);
  return c.json(pageOf(rows, page, { keyOf: (d) => [d.attemptedAt, d.id], toItem: toDelivery, total }), 200);
};

export const retry: AppRouteHandler<typeof routes.retry> = async (c) => {
  const { id, delivery_id } = c.req.valid("param");
  const webhook = await requireWebhook(c.var.db, c.var.caller.workspace.id, id);
  const messageId = await reopenMessage(c.var.db, webhook.id, delivery_id);
  await c.env.WEBHOOK_QUEUE.send({ kind: "deliver", id: messageId } satisfies WebhookJob);
  return c.json({ message_id: messageId }, 202);
};
