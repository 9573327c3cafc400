import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../keys/app-env";
import { configurationProblems, publicBaseUrl } from "../lib/config";
import type { OpenApiRegistry } from "../lib/openapi";
import { documentMcp } from "../mcp/mcp.docs";
import { documentPublicPages } from "../public/public.docs";
import { EVENTS, eventEnvelope } from "../webhooks/events.schemas";
import type { EventType } from "../webhooks/outbox.data";
import { openApiDocument } from "./document";
import { REFERENCE_POLICY, renderReferencePage } from "./reference-page";

/**
 * How long a database that answered `/healthz` is taken to be up without asking again: a load
 * balancer polling many times a second costs D1 one query a second per isolate. A failure is never
 * remembered: the next check asks again.
 */
const DATABASE_CHECK_MS = 1000;
let databaseAnsweredAt = Number.NEGATIVE_INFINITY;

/** `/openapi.json` (built from the route schemas), `/docs` (Scalar's interactive reference of it) and `/healthz`. */
export function registerDocs(app: OpenAPIHono<AppEnv>) {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "ApiKey", { type: "apiKey", in: "header", name: "x-api-key" });
  registry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer", description: "The same API key." });
  registry.registerComponent("securitySchemes", "AdminToken", { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret." });
  documentPublicPages(registry);
  documentMcp(registry);
  documentOperations(registry);
  documentWebhooks(registry);
  const documentFor = openApiDocument(app);
  const document = (url: string, env: Env) => documentFor(publicBaseUrl(env, url));

  app.get("/openapi.json", (c) => c.json(document(c.req.url, c.env)));
  app.get("/docs", (c) => c.html(renderReferencePage(), 200, { "Content-Security-Policy": REFERENCE_POLICY }));
  // 503 when the database does not answer or the deployment lacks a setting it needs: loud, at once.
  app.get("/healthz", async (c) => {
    if (Date.now() - databaseAnsweredAt > DATABASE_CHECK_MS) {
      const { db } = c.var;
      await db.run(db.orm.run(sql`SELECT 1`));
      databaseAnsweredAt = Date.now();
    }
    const problems = configurationProblems(c.env);
    return problems.length === 0 ? c.json({ status: "ok" }) : c.json({ status: "misconfigured", problems }, 503);
  });
}

const Health = z
  .object({
    status: z.enum(["ok", "misconfigured"]),
    problems: z.array(z.string()).optional().openapi({ description: "What the deployment lacks (misconfigured only)." }),
  })
  .openapi("Health");

function documentOperations(registry: OpenApiRegistry) {
  const common = { tags: ["Operations"], security: [] };
  registry.registerPath({
    ...common,
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    summary: "Health check",
    description: "200 when the database answers and the deployment has every setting it needs; 503 with the problems otherwise.",
    responses: {
      200: { description: "Healthy.", content: { "application/json": { schema: Health, example: { status: "ok" } } } },
      503: {
        description: "Misconfigured, or the database does not answer.",
        content: {
          "application/json": {
            schema: Health,
            example: { status: "misconfigured", problems: ["PUBLIC_BASE_URL is not set (or set TRUST_REQUEST_HOST=true)"] },
          },
        },
      },
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document",
    description: "The OpenAPI 3.1 document of this deployment, its servers set to the deployment's public address.",
    responses: {
      200: { description: "The document.", content: { "application/json": { schema: { type: "object", additionalProperties: true } } } },
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/docs",
    operationId: "getReference",
    summary: "The API reference",
    description: "An interactive reference built from this document, served by the deployment itself (no third-party requests).",
    responses: { 200: { description: "The reference page.", content: { "text/html": { schema: { type: "string" } } } } },
  });
}

/** Every event under the document's `webhooks`: the request Cardbox sends to a subscribed endpoint. */
function documentWebhooks(registry: OpenApiRegistry) {
  const headers = z.object({
    "webhook-id": z
      .string()
      .openapi({ description: "The message id; the same on every retry (deduplicate on it).", example: "msg_0192f7a86c1e" }),
    "webhook-timestamp": z.string().openapi({ description: "Unix seconds when this attempt was signed.", example: "1795428000" }),
    "webhook-signature": z.string().openapi({
      description: "`v1,<base64 HMAC-SHA256>` per Standard Webhooks; two, space-separated, while a rotated secret overlaps.",
      example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    }),
  });
  for (const [type, event] of Object.entries(EVENTS) as [EventType, (typeof EVENTS)[EventType]][]) {
    registry.registerWebhook({
      method: "post",
      path: type,
      operationId: `on${type.replace(/(^|[._])([a-z])/g, (_, __, ch: string) => ch.toUpperCase())}`,
      tags: ["Webhooks"],
      security: [],
      summary: event.summary,
      description: `${event.description} Verify the signature before trusting the body.`,
      request: { headers, body: { required: true, content: { "application/json": { schema: eventEnvelope(type, event.data) } } } },
      responses: {
        200: { description: "Any 2xx acknowledges the delivery. Anything else, or no answer within the timeout, is retried with backoff." },
      },
    });
  }
}
