import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import worker from "../src/index";
import type { WebhookJob } from "../src/webhooks/delivery";
import { BASE, call, newWorkspace, type Tenant } from "./helpers";

/**
 * Failures injected where the platform can fail: D1 in the middle of a request, the Queue refusing
 * a send, the Durable Object throwing or hanging, a webhook receiver that never answers. Each ends
 * in a clear 503 with Retry-After (or a retry), never a 500, and never half-written data.
 */

let t: Tenant;
beforeAll(async () => {
  t = await newWorkspace("business");
});
afterEach(() => vi.restoreAllMocks());

/** D1 as the binding, except that every batch that writes fails the way a lost connection does. */
function d1LosingWrites(): D1Database {
  const sqlOf = new WeakMap<D1PreparedStatement, string>();
  const track = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    sqlOf.set(statement, sql);
    const bind = statement.bind.bind(statement);
    statement.bind = (...values: unknown[]) => track(bind(...values), sql);
    return statement;
  };
  const losing = {
    prepare: (sql: string) => track(env.DB.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      if (statements.some((s) => /^\s*(insert|update|delete)\b/i.test(sqlOf.get(s) ?? "")))
        throw new Error("D1_ERROR: Network connection lost.");
      return env.DB.batch(statements);
    },
  };
  return {
    ...losing,
    exec: (sql: string) => env.DB.exec(sql),
    // A request's session loses its writes the same way.
    withSession: () => ({ ...losing, getBookmark: () => null }),
    dump: () => env.DB.dump(),
  } as unknown as D1Database;
}

async function send(environment: Env, method: string, path: string, body?: unknown) {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { "x-api-key": t.key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    environment,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const consume = worker.queue as ExportedHandlerQueueHandler<Env, WebhookJob>;

const count = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;

describe("D1 failing in the middle of a request", () => {
  it("answers 503 with Retry-After and writes nothing, on creates and on read-then-write updates", async () => {
    const failing = { ...env, DB: d1LosingWrites() } as Env;
    const contacts = () => count("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?", t.workspaceId);
    const events = () => count("SELECT count(*) AS n FROM webhook_events WHERE workspace_id = ?", t.workspaceId);
    await call("POST", "/v1/webhooks", { key: t.key, body: { url: "https://hooks.example/faults", events: ["contact.updated"] } });
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Steady", email: "steady@x.example" } });
    const [before, eventsBefore] = [await contacts(), await events()];
    for (const [method, path, body] of [
      ["POST", "/v1/contacts", { first_name: "Lost" }],
      // The contact is read first (that works), then the write batch fails.
      ["PUT", `/v1/contacts/${created.body.id}`, { first_name: "Changed", email: "changed@x.example" }],
      ["PATCH", `/v1/contacts/${created.body.id}`, { company: "Changed" }],
      ["POST", `/v1/contacts/${created.body.id}/tags/add`, { tags: ["lost"] }],
    ] as const) {
      const res = await send(failing, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
      expect(res.body).toMatchObject({ code: "service_unavailable", error: "The service is briefly unavailable; retry in a moment" });
    }
    expect(await contacts()).toBe(before);
    expect(await events()).toBe(eventsBefore);
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key })).body).toEqual(created.body);
  });
});

describe("/healthz and a failing database", () => {
  it("answers 503 each time D1 fails (a failure is never remembered); once D1 answers, it is asked at most once a second", async () => {
    // Every statement's run fails the way a lost connection does.
    const statement: unknown = new Proxy(
      {},
      {
        get: (_, name) =>
          name === "then"
            ? undefined
            : name === "bind"
              ? () => statement
              : () => Promise.reject(new Error("D1_ERROR: Network connection lost.")),
      },
    );
    const down = { prepare: () => statement };
    const failing = { ...env, DB: { ...down, withSession: () => ({ ...down, getBookmark: () => null }) } } as unknown as Env;
    // Past any answer remembered from an earlier test.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (let i = 0; i < 2; i++) {
      const res = await send(failing, "GET", "/healthz");
      expect([res.status, res.body.code, res.headers.get("retry-after")]).toEqual([503, "service_unavailable", "2"]);
    }
    // An answer carries a session bookmark only if it touched the database (D1_SESSIONS is on here).
    const checks = [await send(env, "GET", "/healthz"), await send(env, "GET", "/healthz")];
    expect(checks.map((res) => [res.status, res.body, Boolean(res.headers.get("x-cardbox-bookmark"))])).toEqual([
      [200, { status: "ok" }, true],
      [200, { status: "ok" }, false],
    ]);
  });
});

describe("the Durable Object failing", () => {
  async function profile() {
    const res = await call("POST", "/v1/profiles", {
      key: t.key,
      body: { handle: `fault-${crypto.randomUUID().slice(0, 8)}`, name: "Fault" },
    });
    return res.body as { id: string; handle: string };
  }
  const counters = (record: () => Promise<unknown>) =>
    ({
      idFromName: (name: string) => env.SCAN_COUNTER.idFromName(name),
      get: () => ({ record, recordChecked: record }),
    }) as unknown as Env["SCAN_COUNTER"];

  it("an API scan answers 503 with Retry-After when the object throws a retryable error, or hangs past its time", async () => {
    const p = await profile();
    const retryable = Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true });
    for (const environment of [
      { ...env, SCAN_COUNTER: counters(() => Promise.reject(retryable)) },
      { ...env, SCAN_COUNTER: counters(() => new Promise(() => {})), DURABLE_OBJECT_TIMEOUT_MS: "100" },
    ] as Env[]) {
      const res = await send(environment, "POST", "/v1/contacts/scans", { profile_id: p.id, source: "mcp" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
      expect(res.body.code).toBe("service_unavailable");
    }
    expect(await count("SELECT count(*) AS n FROM scans WHERE profile_id = ?", p.id)).toBe(0);
  });

  it("a person scanning the card still lands on it; the lost count is logged", async () => {
    const p = await profile();
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/q/${p.handle}`, {
        headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)" },
        redirect: "manual",
      }),
      { ...env, SCAN_COUNTER: counters(() => new Promise(() => {})), DURABLE_OBJECT_TIMEOUT_MS: "100" } as Env,
      ctx,
    );
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/p/${p.handle}?via=qr`);
    // The redirect went out first; the scan's hand-over timed out after it.
    expect(log).not.toHaveBeenCalled();
    await waitOnExecutionContext(ctx);
    expect(log.mock.calls.map(([line]) => JSON.parse(String(line)))).toEqual([
      { level: "warn", msg: "scans not counted", profile_id: p.id, scans: 1, error: expect.stringMatching(/scan counter/i) },
    ]);
  });
});

describe("the queue and the receivers failing", () => {
  it("a refused queue send leaves the event in the outbox; the sweep sends it, and each endpoint gets it once", async () => {
    const hook = await call("POST", "/v1/webhooks", {
      key: t.key,
      body: { url: "https://receiver.example/once", events: ["contact.created"] },
    });
    const refuse = vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockRejectedValue(new Error("Queue send failed: overloaded"));
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Queued" } });
    expect(created.status).toBe(201);
    await vi.waitFor(() => expect(refuse).toHaveBeenCalled());
    const pending = () =>
      env.DB.prepare("SELECT id, enqueued_at FROM webhook_events WHERE workspace_id = ? AND type = 'contact.created' AND payload LIKE ?")
        .bind(t.workspaceId, `%${created.body.id}%`)
        .first<{ id: string; enqueued_at: string | null }>();
    expect((await pending())!.enqueued_at).toBeNull();
    refuse.mockRestore();
    // Sweep twice, consuming what each sends: the event fans out to one message, delivered once.
    const sent: WebhookJob[] = [];
    vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockImplementation(async (jobs) => {
      sent.push(...[...jobs].map((j) => j.body as WebhookJob));
      return undefined as never;
    });
    const received: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      received.push(new Request(input, init).headers.get("webhook-id")!);
      return new Response(null, { status: 204 });
    });
    for (let sweep = 0; sweep < 2; sweep++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date("2026-11-23T10:00:00Z"), cron: "* * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
      while (sent.length > 0) {
        const batch = createMessageBatch<WebhookJob>(
          "cardbox-webhooks",
          sent.splice(0).map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
        );
        const consumer = createExecutionContext();
        await consume(batch, env, consumer);
        await getQueueResult(batch, consumer);
      }
    }
    const messages = await env.DB.prepare("SELECT id FROM webhook_messages WHERE event_id = ? AND webhook_id = ?")
      .bind((await pending())!.id, hook.body.id)
      .all<{ id: string }>();
    expect(messages.results).toHaveLength(1);
    expect(received.filter((id) => id === messages.results[0]!.id)).toEqual([messages.results[0]!.id]);
  });

  it("a receiver that never answers is cut off at the timeout, logged, and retried with the same webhook-id", async () => {
    const hook = await call("POST", "/v1/webhooks", {
      key: t.key,
      body: { url: "https://receiver.example/hangs", events: ["contact.created"] },
    });
    vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Hanging" } });
    const event = await env.DB.prepare(
      "SELECT id FROM webhook_events WHERE workspace_id = ? AND type = 'contact.created' ORDER BY created_at DESC",
    )
      .bind(t.workspaceId)
      .first<{ id: string }>();
    const fanned = createMessageBatch<WebhookJob>("cardbox-webhooks", [
      { id: "fan", timestamp: new Date(), attempts: 1, body: { kind: "event", id: event!.id } },
    ]);
    await consume(fanned, env, createExecutionContext());
    const message = await env.DB.prepare("SELECT id FROM webhook_messages WHERE event_id = ? AND webhook_id = ?")
      .bind(event!.id, hook.body.id)
      .first<{ id: string }>();
    const ids: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (input, init) =>
        new Promise((_, reject) => {
          ids.push(new Request(input, init).headers.get("webhook-id")!);
          init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
        }),
    );
    const impatient = { ...env, WEBHOOK_TIMEOUT_MS: "200" } as Env;
    for (let attempt = 0; attempt < 2; attempt++) {
      const batch = createMessageBatch<WebhookJob>("cardbox-webhooks", [
        { id: `d${attempt}`, timestamp: new Date(), attempts: 1, body: { kind: "deliver", id: message!.id } },
      ]);
      const retry = vi.spyOn(batch.messages[0]!, "retry");
      const ctx = createExecutionContext();
      await consume(batch, impatient, ctx);
      await getQueueResult(batch, ctx);
      expect(retry).toHaveBeenCalledTimes(1);
    }
    expect(ids).toEqual([message!.id, message!.id]);
    const log = await call("GET", `/v1/webhooks/${hook.body.id}/deliveries`, { key: t.key });
    expect(log.body.data.map((d: { status: number | null; error: string; attempt: number }) => [d.attempt, d.status, d.error])).toEqual([
      [2, null, "no answer within 0.2 s"],
      [1, null, "no answer within 0.2 s"],
    ]);
  });
});
