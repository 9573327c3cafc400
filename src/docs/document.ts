import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../keys/app-env";
import type { Document } from "./document.types";
import { operationsOf } from "./document.types";
import { exemplify } from "./examples";
import { declareProtocol } from "./protocol";
import { spellOutBodies, spellOutQueries } from "./spellings";

const INFO = {
  title: "Cardbox API",
  version: "1.0.0",
  summary: "Contacts API for digital business cards.",
  description: [
    "Every interaction with a business card — a QR scan, a visit, an AI assistant — becomes a saved contact, a counted scan and a webhook.",
    "",
    "- **Authentication**: `x-api-key: <key>` or `Authorization: Bearer <key>`; each key holds `contacts:read` and/or `contacts:write`.",
    "- **Base paths**: every `/v1` path is served identically below `/api/v1` (the second server).",
    "- **Spellings**: request bodies and list queries accept the camelCase spelling of every field and the aliases listed as properties; a field sent under two spellings is refused.",
    "- **Errors** are JSON `{error, code, details?, request_id}`; `code` is one of `ErrorCode`. A method a path does not take is 405 with `Allow`.",
    "- **Unknown query parameters** are refused with 400 on the API, never ignored.",
  ].join("\n"),
  license: { name: "MIT", identifier: "MIT" },
};

/** Every tag an operation uses, in the order a reader meets them. */
const TAGS = [
  { name: "Contacts", description: "The CRM contacts store: create, search, update, delete, upsert, batch, merge, export, vCard." },
  { name: "Imports", description: "CSV and vCard files imported in the background, with a report per row." },
  { name: "Tags", description: "Tags across the workspace's contacts." },
  { name: "Profiles", description: "Public business cards and their QR codes." },
  { name: "Scans", description: "Counted interactions with a profile: QR scans, visits, AI assistants." },
  { name: "Analytics", description: "Exact counts per source and per day." },
  { name: "Sites", description: "Places and events where contacts are captured." },
  { name: "Webhooks", description: "Endpoints that receive signed events (Standard Webhooks), and their delivery logs." },
  { name: "API keys", description: "The workspace's keys and their permissions." },
  { name: "Admin", description: "Provisioning with the operator's `ADMIN_TOKEN`." },
  { name: "Public pages", description: "What people who scan a card see: HTML pages, redirects and vCards, no key needed." },
  { name: "MCP", description: "The Model Context Protocol endpoint for AI assistants." },
  { name: "Operations", description: "Health, this document and its reference page." },
];

/**
 * The OpenAPI document: generated from the route definitions (the schemas the server validates
 * with), then completed with what the HTTP layer adds to every route — other spellings, headers,
 * error answers — and examples. Built once per origin.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  const built = new Map<string, Document>();
  return (origin: string) => {
    let doc = built.get(origin);
    if (!doc) {
      doc = build(app, origin);
      if (built.size > 8) built.clear();
      built.set(origin, doc);
    }
    return doc;
  };
}

function build(app: OpenAPIHono<AppEnv>, origin: string): Document {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { ...INFO, contact: { name: "Cardbox API reference", url: `${origin}/docs` } },
    servers: [
      { url: origin, description: "This deployment." },
      { url: `${origin}/api`, description: "The same API below `/api/v1` (the `/v1` paths only)." },
    ],
    tags: TAGS,
  }) as unknown as Document;
  declareProtocol(doc);
  // Examples first: they show each body under its canonical names, before the other spellings join.
  exemplify(doc);
  spellOutBodies(doc);
  spellOutQueries(doc);
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith("/v1/")) item.servers = [{ url: origin, description: "This deployment (not mirrored below `/api`)." }];
  }
  for (const { path, method, operation } of operationsOf(doc, { webhooks: true })) {
    const unknown = operation.tags?.find((tag) => !TAGS.some((t) => t.name === tag));
    if (unknown || !operation.tags?.length) throw new Error(`${method.toUpperCase()} ${path}: tag ${unknown ?? "missing"} is not declared`);
  }
  return doc;
}
