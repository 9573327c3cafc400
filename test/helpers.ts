import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import worker from "../src/index";

export const BASE = "https://cardbox.test";
export const ADMIN = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Calls the Worker's own fetch handler and reads the whole answer. */
export async function call<T = any>(
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers["x-api-key"] = options.key;
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body, redirect: "manual" }));
  return answerOf(res);
}

async function answerOf<T>(res: Response): Promise<Answer<T>> {
  const text = res.headers.get("content-type")?.startsWith("text/event-stream") ? await firstChunk(res) : await res.text();
  let parsed: unknown = text;
  if (res.headers.get("content-type")?.includes("json") && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** An event stream does not end: its first chunk stands for the answer, and the stream is closed. */
async function firstChunk(res: Response) {
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

export interface Tenant {
  workspaceId: string;
  key: string;
}

let counter = 0;

/** Provisions a workspace through the admin API and returns its all-permission key. */
export async function newWorkspace(plan: "free" | "pro" | "business" = "business"): Promise<Tenant> {
  const res = await call("POST", "/admin/workspaces", { headers: ADMIN, body: { name: `Workspace ${++counter}`, plan } });
  expect(res.status).toBe(201);
  return { workspaceId: res.body.workspace.id, key: res.body.api_key.key };
}

/** Mints a key holding only `permissions` in the tenant's workspace. */
export async function keyWith(tenant: Tenant, permissions: string[]): Promise<string> {
  const res = await call("POST", "/v1/api-keys", { key: tenant.key, body: { name: permissions.join("+") || "none", permissions } });
  expect(res.status).toBe(201);
  return res.body.key;
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asserts the standard error body and returns it. */
export function expectError(res: Answer, status: number, code: string, error?: string | RegExp) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.body.code).toBe(code);
  expect(res.body.request_id).toBe(res.headers.get("x-request-id"));
  if (typeof error === "string") expect(res.body.error).toBe(error);
  else if (error) expect(res.body.error).toMatch(error);
  return res.body;
}

/** Asserts a refused API key: 401 with its error, and the Bearer challenge (`invalid_token` once a key was sent). */
export function expectKeyRefused(res: Answer, error: "Missing API key" | "Invalid API key") {
  expectError(res, 401, "unauthorized", error);
  expect(res.headers.get("www-authenticate")).toBe(
    error === "Missing API key" ? 'Bearer realm="cardbox"' : 'Bearer realm="cardbox", error="invalid_token"',
  );
}

/** Spies on the batches and statements of the D1 sessions that requests open from now on. */
export function spyOnSessions() {
  const batch = vi.fn<(statements: D1PreparedStatement[]) => void>();
  const prepare = vi.fn<(sql: string) => void>();
  const open = env.DB.withSession.bind(env.DB);
  const spy = vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
    const session = open(constraint);
    return {
      getBookmark: () => session.getBookmark(),
      prepare: (sql: string) => {
        prepare(sql);
        return session.prepare(sql);
      },
      batch: (statements: D1PreparedStatement[]) => {
        batch(statements);
        return session.batch(statements);
      },
    } as D1DatabaseSession;
  });
  return { batch, prepare, restore: () => spy.mockRestore() };
}

export const PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

/**
 * Visits a public page as a browser would (a phone's user agent unless given; `cf` as Cloudflare
 * would add it, none unless given) and waits for what the Worker does after its answer: the
 * visit's scan has then reached its profile's ScanCounter.
 */
export async function visit(
  path: string,
  headers: Record<string, string> = { "user-agent": PHONE_UA },
  cf?: Partial<IncomingRequestCfProperties>,
): Promise<Answer> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { headers, redirect: "manual", cf }), env, ctx);
  await waitOnExecutionContext(ctx);
  return answerOf(res);
}

/**
 * Waits until the profile's ScanCounter has copied every scan it received to D1 (or dropped it
 * there): within 2 s, as `docs/api.md` promises.
 */
export async function scansSettled(profileId: string) {
  const counter = env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(profileId));
  await vi.waitFor(async () => expect(await counter.pending()).toBe(0), { timeout: 2000, interval: 20 });
}
