import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./server";

/**
 * The OpenAPI document against the README's server: every operation is called, and every answer
 * — status, media type, body and headers, both the headers the document requires and the ones
 * the server sends — must be one the document describes for that operation. Every example in the
 * document must be valid against its own schema.
 */

type Json = Record<string, any>;
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

let server: RunningServer;
let doc: Json;
let ajv: Ajv2020;
let receiver: Server;
let receiverUrl: string;
const ADMIN = { Authorization: "Bearer dev-admin-token" };
/** `METHOD /template` → statuses seen. */
const seen = new Map<string, Set<number>>();

/** Response headers that belong to the API's contract (the rest are transport: Date, Vary, CORS, security headers). */
const CONTRACT_HEADER = /^(x-request-id|etag|location|allow|www-authenticate|retry-after|ratelimit-.*|idempotent-replayed|x-cardbox-.*)$/;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  server = await startServer();
  doc = (await (await fetch(`${server.base}/openapi.json`)).json()) as Json;
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: "doc" });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

/** JSON and `+json` media types (not NDJSON, whose body is lines of JSON). */
const isJson = (type: string) => /^application\/([\w.-]+\+)?json$/.test(type);

const pointer = (...parts: string[]) => `doc#/${parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;

function deref<T extends Json>(node: T): T {
  const ref = node.$ref as string | undefined;
  if (!ref) return node;
  return ref
    .slice(2)
    .split("/")
    .reduce((at: Json, part) => at[part.replaceAll("~1", "/").replaceAll("~0", "~")], doc) as T;
}

function valid(schemaPointer: string, value: unknown) {
  const validate = ajv.getSchema(schemaPointer);
  if (!validate) throw new Error(`no schema at ${schemaPointer}`);
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Calls `method template` with `params` filled in, and checks the answer against the document. */
async function call(
  method: string,
  template: string,
  options: { params?: Record<string, string>; query?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  expected?: number,
): Promise<Answer> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.params?.[name] ?? `missing-${name}`));
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${server.base}${path}${options.query ? `?${options.query}` : ""}`, {
    method,
    headers,
    body,
    redirect: "manual",
  });
  const type = res.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
  const text = type === "text/event-stream" ? await firstChunk(res) : await res.text();
  const answer: Answer = { status: res.status, headers: res.headers, text, body: isJson(type) && text ? JSON.parse(text) : text };
  try {
    if (expected !== undefined) expect(answer.status, `${method} ${path}`).toBe(expected);
    conforms(method.toLowerCase(), template, answer, type);
  } catch (error) {
    (error as Error).message += `\n${method} ${path} answered: ${text.slice(0, 400)}`;
    throw error;
  }
  return answer;
}

/** An event stream does not end: its first chunk stands for its body, and the stream is closed. */
async function firstChunk(res: Response) {
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

function conforms(method: string, template: string, answer: Answer, type: string) {
  const label = `${method.toUpperCase()} ${template} → ${answer.status}`;
  const operation = doc.paths[template]?.[method];
  expect(operation, `${method.toUpperCase()} ${template} is not in the document`).toBeDefined();
  const key = String(answer.status) in operation.responses ? String(answer.status) : "default";
  const response = operation.responses[key] ? deref(operation.responses[key]) : undefined;
  expect(response, `${label}: the document lists ${Object.keys(operation.responses).join(", ")}`).toBeDefined();
  if (!seen.has(`${method.toUpperCase()} ${template}`)) seen.set(`${method.toUpperCase()} ${template}`, new Set());
  seen.get(`${method.toUpperCase()} ${template}`)!.add(answer.status);

  if (!response!.content) {
    expect(answer.text, `${label}: the document describes no body`).toBe("");
  } else if (answer.text !== "" || answer.status !== 304) {
    expect(Object.keys(response!.content), `${label}: media type`).toContain(type);
    if (isJson(type)) {
      expect(valid(pointer("paths", template, method, "responses", key, "content", type, "schema"), answer.body), `${label}: body`).toEqual(
        [],
      );
    }
  }

  const documented = Object.fromEntries(
    Object.entries((response!.headers ?? {}) as Json).map(([name, h]) => [name.toLowerCase(), deref(h)]),
  );
  for (const [name, header] of Object.entries(documented)) {
    if (header.required) expect(answer.headers.has(name), `${label}: required header ${name}`).toBe(true);
    const value = answer.headers.get(name);
    if (value !== null && header.schema?.type === "integer") expect(value, `${label}: ${name}`).toMatch(/^\d+$/);
  }
  answer.headers.forEach((_, name) => {
    if (CONTRACT_HEADER.test(name))
      expect(Object.keys(documented), `${label}: sends ${name}, which the document does not list`).toContain(name);
  });
}

const json = (key: string, extra: Record<string, string> = {}) => ({ "x-api-key": key, ...extra });

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Runs a linter from node_modules/.bin on the served document; its whole output, and whether it passed. */
async function lint(tool: string, args: string[]) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "cardbox-openapi-")), "openapi.json");
  writeFileSync(file, JSON.stringify(doc));
  try {
    const { stdout, stderr } = await promisify(execFile)(path.join(ROOT, "node_modules/.bin", tool), [...args, file], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? e.message}` };
  }
}

describe("the OpenAPI document passes third-party linters without a warning", () => {
  it("Redocly's recommended rules (redocly.yaml)", async () => {
    const { ok, output } = await lint("redocly", ["lint", "--format", "stylish"]);
    expect(output).toContain("Your API description is valid");
    expect(output).not.toMatch(/warning/i);
    expect(ok).toBe(true);
  }, 60_000);

  it("Spectral's OpenAPI rules (.spectral.yaml)", async () => {
    const { ok, output } = await lint("spectral", ["lint", "--ruleset", path.join(ROOT, ".spectral.yaml"), "--fail-severity", "hint"]);
    expect(output).toContain("No results with a severity of 'hint' or higher found!");
    expect(ok).toBe(true);
  }, 60_000);
});

describe("the OpenAPI document describes every answer of the running API", () => {
  it("has only examples that its own schemas accept", () => {
    const problems: string[] = [];
    const walk = (node: unknown, at: string[]) => {
      if (!node || typeof node !== "object") return;
      const n = node as Json;
      if (n.schema && "example" in n) {
        for (const error of valid(pointer(...at, "schema"), n.example)) problems.push(`${at.join("/")}: ${error}`);
      }
      for (const [k, v] of Object.entries(n)) if (k !== "example" && k !== "examples") walk(v, [...at, k]);
    };
    walk(doc.paths, ["paths"]);
    walk(doc.webhooks, ["webhooks"]);
    expect(problems).toEqual([]);
  });

  it("answers every operation as documented, successes and refusals", async () => {
    // Service pages.
    await call("GET", "/healthz");
    await call("GET", "/openapi.json");
    await call("GET", "/docs");

    // The operator provisions two workspaces.
    await call("POST", "/admin/workspaces", { body: { name: "Contract" } }, 401);
    const made = await call("POST", "/admin/workspaces", { headers: ADMIN, body: { name: "Contract", plan: "business" } }, 201);
    const workspace = made.body.workspace.id as string;
    const key = made.body.api_key.key as string;
    const other = await call("POST", "/admin/workspaces", { headers: ADMIN, body: { name: "Other" } });
    const otherKey = other.body.api_key.key as string;
    await call("GET", "/admin/workspaces/{id}", { headers: ADMIN, params: { id: workspace } }, 200);
    await call("PATCH", "/admin/workspaces/{id}", { headers: ADMIN, params: { id: workspace }, body: { name: "Contract Co" } }, 200);
    await call(
      "POST",
      "/admin/workspaces/{id}/api-keys",
      { headers: ADMIN, params: { id: workspace }, body: { name: "ops", permissions: ["contacts:read"] } },
      400,
    );
    await call("POST", "/admin/workspaces/{id}/api-keys", { headers: ADMIN, params: { id: workspace } }, 201);
    await call("GET", "/admin/workspaces/{id}", { headers: ADMIN, params: { id: crypto.randomUUID() } }, 404);
    await call("POST", "/admin/webhook-secrets/reseal", {}, 401);
    await call("POST", "/admin/webhook-secrets/reseal", { headers: ADMIN }, 200);

    // Keys.
    await call("GET", "/v1/me", {}, 401);
    await call("GET", "/v1/me", { headers: json("cbx_live_wrong") }, 401);
    await call("GET", "/v1/me", { headers: json(key) }, 200);
    const reader = await call(
      "POST",
      "/v1/api-keys",
      { headers: json(key), body: { name: "reader", permissions: ["contacts:read"] } },
      201,
    );
    const readKey = reader.body.key as string;
    await call("GET", "/v1/api-keys", { headers: json(key) }, 200);
    await call("POST", "/v1/api-keys", { headers: json(readKey), body: { name: "x", permissions: ["contacts:read"] } }, 403);

    // Sites, with entity tags.
    const site = await call("POST", "/v1/sites", { headers: json(key), body: { title: "Conference 2026" } }, 201);
    const siteId = site.body.id as string;
    await call("GET", "/v1/sites", { headers: json(key) }, 200);
    const siteGet = await call("GET", "/v1/sites/{id}", { headers: json(key), params: { id: siteId } });
    const siteTag = siteGet.headers.get("etag")!;
    await call("GET", "/v1/sites/{id}", { headers: json(key, { "if-none-match": siteTag }), params: { id: siteId } }, 304);
    await call(
      "PATCH",
      "/v1/sites/{id}",
      {
        headers: json(key, { "if-match": siteTag }),
        params: { id: siteId },
        body: { title: "Conf" },
      },
      200,
    );
    await call(
      "PATCH",
      "/v1/sites/{id}",
      {
        headers: json(key, { "if-match": siteTag }),
        params: { id: siteId },
        body: { title: "Old" },
      },
      412,
    );
    await call("GET", "/v1/sites/{id}", { headers: json(otherKey), params: { id: siteId } }, 404);

    // Profiles and the public card.
    const profile = await call("POST", "/v1/profiles", { headers: json(key), body: { handle: "contract-ada", name: "Ada Lovelace" } }, 201);
    const profileId = profile.body.id as string;
    await call("POST", "/v1/profiles", { headers: json(key), body: { handle: "contract-ada", name: "Twin" } }, 409);
    await call("GET", "/v1/profiles", { headers: json(key) }, 200);
    const profileGet = await call("GET", "/v1/profiles/{id}", { headers: json(key), params: { id: profileId } });
    await call(
      "GET",
      "/v1/profiles/{id}",
      {
        headers: json(key, { "if-none-match": profileGet.headers.get("etag")! }),
        params: { id: profileId },
      },
      304,
    );
    await call("PATCH", "/v1/profiles/{id}", { headers: json(key), params: { id: profileId }, body: { name: "Ada King" } }, 200);
    await call("GET", "/v1/profiles/{id}/stats", { headers: json(key), params: { id: profileId } }, 200);
    await call(
      "GET",
      "/v1/profiles/{id}/stats",
      { headers: json(key), params: { id: profileId }, query: "from=2026-01-01&to=2026-01-31" },
      200,
    );
    await call("GET", "/v1/profiles/{id}/stats", { headers: json(key), params: { id: profileId }, query: "from=2026-02-30" }, 400);
    await call("GET", "/v1/profiles/{id}/qr.svg", { headers: json(key), params: { id: profileId } }, 200);
    const live = await call("GET", "/v1/profiles/{id}/live", { headers: json(key), params: { id: profileId } }, 200);
    expect(live.text).toBe("retry: 3000\n\n");
    await call("GET", "/v1/profiles/{id}/live", { headers: json(key), params: { id: profileId }, query: "last_event_id=x" }, 400);
    await call("GET", "/q/{handle}", { params: { handle: "contract-ada" } }, 302);
    await call("GET", "/q/{handle}", { params: { handle: "nobody-here" } }, 404);
    await call("GET", "/p/{file}", { params: { file: "contract-ada" } }, 200);
    await call("GET", "/p/{file}", { params: { file: "Contract-Ada" } }, 301);
    await call("GET", "/p/{file}", { params: { file: "contract-ada.vcf" } }, 200);
    await call("GET", "/p/{file}", { params: { file: "nobody-here" } }, 404);

    // Contacts: creation in every accepted spelling, refusals, replays.
    const ada = await call(
      "POST",
      "/v1/contacts",
      {
        headers: json(key),
        body: {
          first_name: "Ada",
          last_name: "Lovelace",
          email: "ada@contract.test",
          tags: ["vip"],
          site_id: siteId,
          custom_fields: { tier: "gold" },
        },
      },
      201,
    );
    const adaId = ada.body.id as string;
    await call("POST", "/v1/contacts", { headers: json(key), body: { firstName: "Grace", phoneNumber: "+1 555 0100" } }, 201);
    await call("POST", "/v1/contacts", { headers: json(key), body: { email: "ada@contract.test", first_name: "Twin" } }, 409);
    await call("POST", "/v1/contacts", { headers: json(key), body: {} }, 400);
    await call("POST", "/v1/contacts", { headers: json(key, { "content-type": "text/plain" }), raw: "Ada" }, 415);
    const huge = `{"notes":"${"x".repeat(2_000_000)}"}`;
    await call("POST", "/v1/contacts", { headers: json(key, { "content-type": "application/json" }), raw: huge }, 413);
    await call("POST", "/v1/contacts", { headers: json(readKey), body: { first_name: "No" } }, 403);
    const once = { "idempotency-key": crypto.randomUUID() };
    const first = await call("POST", "/v1/contacts", { headers: json(key, once), body: { first_name: "Once" } });
    const again = await call("POST", "/v1/contacts", { headers: json(key, once), body: { first_name: "Once" } });
    expect([first.status, again.status, again.body.id]).toEqual([201, 201, first.body.id]);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    await call("POST", "/v1/contacts/upsert", { headers: json(key), body: { email: "ada@contract.test", company: "AE" } }, 200);
    await call("POST", "/v1/contacts/upsert", { headers: json(key), body: { email: "new@contract.test", name: "New Person" } }, 201);
    await call(
      "POST",
      "/v1/contacts/batch",
      {
        headers: json(key),
        body: { contacts: [{ first_name: "B1" }, { email: "not-an-email" }] },
      },
      207,
    );
    await call("GET", "/v1/contacts", { headers: json(key), query: "per_page=2&sort=name" }, 200);
    await call("GET", "/v1/contacts", { headers: json(key), query: `q=ada&tags=vip&siteId=${siteId}` }, 200);
    await call("GET", "/v1/contacts", { headers: json(key), query: "limit=0" }, 400);
    await call("GET", "/v1/contacts/limits", { headers: json(key) }, 200);
    await call("GET", "/v1/tags", { headers: json(key) }, 200);
    const got = await call("GET", "/v1/contacts/{id}", { headers: json(key), params: { id: adaId } }, 200);
    const tag = got.headers.get("etag")!;
    await call("GET", "/v1/contacts/{id}", { headers: json(key, { "if-none-match": tag }), params: { id: adaId } }, 304);
    await call("GET", "/v1/contacts/{id}", { headers: json(otherKey), params: { id: adaId } }, 404);
    await call("GET", "/v1/contacts/{id}", { headers: json(key), params: { id: "not-a-uuid" } }, 404);
    const notAllowed = await fetch(`${server.base}/v1/contacts/${adaId}`, { method: "POST", headers: json(key) });
    expect([notAllowed.status, notAllowed.headers.get("allow")]).toEqual([405, "GET, HEAD, PUT, PATCH, DELETE"]);
    const patched = await call("PATCH", "/v1/contacts/{id}", {
      headers: json(key, { "if-match": tag }),
      params: { id: adaId },
      body: { stage: "lead" },
    });
    expect([patched.status, patched.body.stage]).toEqual([200, "Lead"]);
    await call("PATCH", "/v1/contacts/{id}", { headers: json(key, { "if-match": tag }), params: { id: adaId }, body: { notes: "x" } }, 412);
    await call(
      "PUT",
      "/v1/contacts/{id}",
      {
        headers: json(key),
        params: { id: adaId },
        body: { first_name: "Ada", email: "ada@contract.test" },
      },
      200,
    );
    await call("POST", "/v1/contacts/{id}/tags/add", { headers: json(key), params: { id: adaId }, body: { tags: ["speaker"] } }, 200);
    await call("POST", "/v1/contacts/{id}/tags/remove", { headers: json(key), params: { id: adaId }, body: { tags: ["vip"] } }, 200);
    await call("GET", "/v1/contacts/{id}/vcard", { headers: json(key), params: { id: adaId } }, 200);
    await call("DELETE", "/v1/contacts/{id}", { headers: json(key), params: { id: first.body.id } }, 200);
    await call("GET", "/v1/contacts/deleted", { headers: json(key) }, 200);

    // Scans and analytics.
    await call("POST", "/v1/contacts/scans", { headers: json(key), body: { profile_id: profileId, source: "qr_scan" } }, 201);
    await call(
      "POST",
      "/v1/contacts/scans",
      { headers: json(key), body: { profile_id: profileId, source: "web", country: "SE", device: "tablet" } },
      201,
    );
    await call("POST", "/v1/contacts/scans", { headers: json(key), body: { profile_id: crypto.randomUUID(), source: "qr_scan" } }, 404);
    await call("GET", "/v1/contacts/scans", { headers: json(key) }, 200);
    await call("GET", "/v1/analytics/sources", { headers: json(key) }, 200);

    // Webhooks, delivered to a local receiver.
    const hook = await call("POST", "/v1/webhooks", { headers: json(key), body: { url: receiverUrl, events: ["contact.created"] } }, 201);
    const hookId = hook.body.id as string;
    await call("GET", "/v1/webhooks", { headers: json(key) }, 200);
    const hookGet = await call("GET", "/v1/webhooks/{id}", { headers: json(key), params: { id: hookId } });
    await call(
      "GET",
      "/v1/webhooks/{id}",
      {
        headers: json(key, { "if-none-match": hookGet.headers.get("etag")! }),
        params: { id: hookId },
      },
      304,
    );
    await call("PATCH", "/v1/webhooks/{id}", { headers: json(key), params: { id: hookId }, body: { description: "CRM" } }, 200);
    await call("POST", "/v1/webhooks/{id}/rotate-secret", { headers: json(key), params: { id: hookId }, body: {} }, 200);
    await call("POST", "/v1/webhooks/{id}/test", { headers: json(key), params: { id: hookId }, body: {} }, 202);
    let deliveries: Answer;
    for (let tries = 0; ; tries++) {
      deliveries = await call("GET", "/v1/webhooks/{id}/deliveries", { headers: json(key), params: { id: hookId } });
      if (deliveries.body.data.length > 0 || tries > 60) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(deliveries.body.data.length).toBeGreaterThan(0);
    await call(
      "POST",
      "/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
      {
        headers: json(key),
        params: { id: hookId, delivery_id: deliveries.body.data[0].id },
        body: {},
      },
      202,
    );

    // MCP: a request and a notification.
    const mcp = { "x-api-key": key, accept: "application/json, text/event-stream" };
    await call(
      "POST",
      "/mcp",
      {
        headers: mcp,
        body: {
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "contract", version: "1" } },
        },
      },
      200,
    );
    await call("POST", "/mcp", { headers: mcp, body: { jsonrpc: "2.0", method: "notifications/initialized" } }, 202);
    await call("POST", "/mcp", { headers: { accept: mcp.accept }, body: { jsonrpc: "2.0", id: 2, method: "tools/list" } }, 401);

    // Merge, duplicates, export.
    const twin = await call(
      "POST",
      "/v1/contacts",
      { headers: json(key), body: { first_name: "Ada", last_name: "Lovelace", company: "AE" } },
      201,
    );
    await call("GET", "/v1/contacts/duplicates", { headers: json(key) }, 200);
    await call("POST", "/v1/contacts/{id}/merge", { headers: json(key), params: { id: adaId }, body: { from: [twin.body.id] } }, 200);
    await call("POST", "/v1/contacts/{id}/merge", { headers: json(key), params: { id: adaId }, body: { from: [adaId] } }, 400);
    for (const format of ["csv", "vcf", "ndjson"])
      await call("GET", "/v1/contacts/export", { headers: json(key), query: `format=${format}` }, 200);
    await call("GET", "/v1/contacts/export", { headers: json(key), query: "limit=5" }, 400);

    // Imports: a CSV file, then its report.
    const csv = "first_name,email\nImported,imported@contract.test\n";
    const imported = await call("POST", "/v1/imports", { headers: json(key, { "content-type": "text/csv" }), raw: csv }, 202);
    await call("POST", "/v1/imports", { headers: json(key, { "content-type": "application/json" }), raw: "{}" }, 415);
    await call("GET", "/v1/imports", { headers: json(key) }, 200);
    await call("GET", "/v1/imports/{id}", { headers: json(key), params: { id: imported.body.id } }, 200);

    // A visitor leaves their details on the card; the owner's held leads (none: the plan has room).
    const card = await fetch(`${server.base}/p/contract-ada`).then((r) => r.text());
    const csrf = /name="csrf" value="([^"]+)"/.exec(card)?.[1];
    expect(csrf, "the card page's form carries its token").toBeDefined();
    const form = (fields: Record<string, string>) => ({
      headers: { "content-type": "application/x-www-form-urlencoded" },
      raw: new URLSearchParams(fields).toString(),
    });
    await call(
      "POST",
      "/p/{handle}/connect",
      { params: { handle: "contract-ada" }, ...form({ csrf: csrf!, name: "Vera Visitor", email: "vera@contract.test", consent: "yes" }) },
      303,
    );
    await call("POST", "/p/{handle}/connect", { params: { handle: "contract-ada" }, ...form({ csrf: csrf!, name: "Vera Visitor" }) }, 400);
    await call("GET", "/v1/leads/held", { headers: json(key) }, 200);

    // A full free workspace holds its card's leads; the owner discards one, and releases one after an upgrade.
    const full = await call("POST", "/admin/workspaces", { headers: ADMIN, body: { name: "Full", plan: "free" } }, 201);
    const fullKey = full.body.api_key.key as string;
    const seeds = Array.from({ length: 100 }, (_, i) => ({ first_name: `Seed ${i}` }));
    await call("POST", "/v1/contacts/batch", { headers: json(fullKey), body: { contacts: seeds } }, 207);
    await call("POST", "/v1/profiles", { headers: json(fullKey), body: { handle: "contract-full", name: "Full Card" } }, 201);
    for (const name of ["Held One", "Held Two"]) {
      const page = await fetch(`${server.base}/p/contract-full`).then((r) => r.text());
      const token = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      await call(
        "POST",
        "/p/{handle}/connect",
        { params: { handle: "contract-full" }, ...form({ csrf: token, name, consent: "yes" }) },
        303,
      );
    }
    const held = await call("GET", "/v1/leads/held", { headers: json(fullKey) }, 200);
    const [heldTwo, heldOne] = held.body.data as { id: string }[];
    await call("POST", "/v1/leads/held/{id}/release", { headers: json(fullKey), params: { id: heldOne!.id } }, 403);
    await call("DELETE", "/v1/leads/held/{id}", { headers: json(fullKey), params: { id: heldTwo!.id } }, 200);
    await call("PATCH", "/admin/workspaces/{id}", { headers: ADMIN, params: { id: full.body.workspace.id }, body: { plan: "pro" } }, 200);
    await call("POST", "/v1/leads/held/{id}/release", { headers: json(fullKey), params: { id: heldOne!.id } }, 200);
    await call("POST", "/v1/leads/held/{id}/release", { headers: json(fullKey), params: { id: heldOne!.id } }, 404);

    // The console's session: sign in with a key, read it, sign out.
    const origin = { origin: server.base };
    const signedIn = await call("POST", "/app/session", { headers: origin, body: { key } }, 201);
    const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    await call("GET", "/app/session", { headers: { cookie } }, 200);
    await call("POST", "/app/session", { headers: origin, body: { key: "cbx_live_wrong" } }, 401);
    await call("DELETE", "/app/session", { headers: { ...origin, cookie, "x-cardbox-csrf": signedIn.body.csrf_token } }, 204);
    await call("GET", "/app/session", { headers: { cookie } }, 401);

    // Deletions last.
    await call("DELETE", "/v1/webhooks/{id}", { headers: json(key), params: { id: hookId } }, 200);
    await call("DELETE", "/v1/profiles/{id}", { headers: json(key), params: { id: profileId } }, 200);
    await call("DELETE", "/v1/sites/{id}", { headers: json(key), params: { id: siteId } }, 200);
    await call("DELETE", "/v1/api-keys/{id}", { headers: json(key), params: { id: reader.body.id } }, 200);
    await call("DELETE", "/admin/workspaces/{id}", { headers: ADMIN, params: { id: other.body.workspace.id } }, 200);

    // Every operation of the document answered at least once with success.
    const missing: string[] = [];
    for (const [template, item] of Object.entries(doc.paths as Json)) {
      for (const method of ["get", "put", "post", "patch", "delete"]) {
        if (!item[method]) continue;
        const statuses = [...(seen.get(`${method.toUpperCase()} ${template}`) ?? [])];
        if (!statuses.some((s) => s < 400)) missing.push(`${method.toUpperCase()} ${template}`);
      }
    }
    expect(missing).toEqual([]);
  }, 120_000);
});
