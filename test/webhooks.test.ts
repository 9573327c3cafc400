import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../src";
import { seal } from "../src/lib/secret-box";
import type { WebhookJob } from "../src/webhooks/delivery";
import { call, expectError, ISO_MS, newWorkspace, scansSettled, spyOnSessions, type Tenant, UUID, visit } from "./helpers";

const RECEIVER = "https://receiver.example/hooks";

let t: Tenant;
beforeEach(async () => {
  t = await newWorkspace();
});
afterEach(() => vi.restoreAllMocks());

async function register(events: string[] = ["*"], url = RECEIVER) {
  const res = await call("POST", "/v1/webhooks", { key: t.key, body: { url, events, description: "CRM sync" } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const eventsOf = async (workspaceId: string) =>
  (
    await env.DB.prepare("SELECT id, type, payload FROM webhook_events WHERE workspace_id = ? ORDER BY created_at")
      .bind(workspaceId)
      .all<{ id: string; type: string; payload: string }>()
  ).results;

/** Runs the queue consumer on one job and answers what it did with the message (and the delay it asked for). */
async function consume(job: WebhookJob) {
  const batch = createMessageBatch<WebhookJob>("cardbox-webhooks", [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: job },
  ]);
  // The local queue result does not report retry delays, so read them off the call.
  const retry = vi.spyOn(batch.messages[0]!, "retry");
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env, WebhookJob>)(batch, env, ctx);
  const result = await getQueueResult(batch, ctx);
  const delaySeconds = (retry.mock.calls[0]?.[0] as { delaySeconds?: number } | undefined)?.delaySeconds;
  return { ...result, delaySeconds };
}

/** The message ids a fan-out of the event made, without going through the real queue. */
async function messagesFor(eventId: string) {
  const send = vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
  await consume({ kind: "event", id: eventId });
  const ids = send.mock.calls.flatMap(([jobs]) => [...jobs].map((j) => (j.body as WebhookJob).id));
  send.mockRestore();
  return ids;
}

type Received = { url: string; headers: Headers; body: string };
/** Answers deliveries with `answers` in turn; with `only`, just those to that URL (others get 200). */
function receiver(answers: (number | [number, Record<string, string>])[], only?: string) {
  const received: Received[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (only !== undefined && request.url !== only) return new Response("ok");
    received.push({ url: request.url, headers: request.headers, body: await request.text() });
    const next = answers[Math.min(received.length - 1, answers.length - 1)]!;
    const [status, headers] = Array.isArray(next) ? next : [next, {}];
    return new Response(status === 204 ? null : "ok", { status, headers });
  });
  return received;
}

describe("webhook endpoints", () => {
  it("registers with a whsec_ secret shown once, lists, reads, changes and deletes", async () => {
    const created = await register(["contact.created", "scan.recorded"]);
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      url: RECEIVER,
      events: ["contact.created", "scan.recorded"],
      description: "CRM sync",
      enabled: true,
      disabled_reason: null,
      created_at: expect.stringMatching(ISO_MS),
      updated_at: expect.stringMatching(ISO_MS),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect(atob(created.secret.slice(6)).length).toBeGreaterThanOrEqual(24);
    const { secret: _once, ...shown } = created;
    expect((await call("GET", `/v1/webhooks/${created.id}`, { key: t.key })).body).toEqual(shown);
    expect((await call("GET", "/v1/webhooks", { key: t.key })).body).toEqual({
      data: [shown],
      pagination: { page: 1, limit: 25, total: 1, total_exact: true, next_cursor: null },
    });
    const changed = await call("PATCH", `/v1/webhooks/${created.id}`, { key: t.key, body: { events: ["*"], enabled: false } });
    expect(changed.body).toMatchObject({ events: ["*"], enabled: false, disabled_reason: "disabled by the API" });
    expect((await call("DELETE", `/v1/webhooks/${created.id}`, { key: t.key })).body).toEqual({ success: true, id: created.id });
    expectError(await call("GET", `/v1/webhooks/${created.id}`, { key: t.key }), 404, "not_found", "Webhook not found");
  });

  it("keeps the workspace's count of enabled endpoints exact (it gates all outbox work)", async () => {
    const count = async () =>
      (await env.DB.prepare("SELECT enabled_webhooks AS n FROM workspaces WHERE id = ?").bind(t.workspaceId).first<{ n: number }>())!.n;
    expect(await count()).toBe(0);
    const a = await register();
    const b = await register(["scan.recorded"]);
    expect(await count()).toBe(2);
    await call("PATCH", `/v1/webhooks/${a.id}`, { key: t.key, body: { enabled: false } });
    await call("PATCH", `/v1/webhooks/${a.id}`, { key: t.key, body: { enabled: false } });
    expect(await count()).toBe(1);
    await call("PATCH", `/v1/webhooks/${a.id}`, { key: t.key, body: { enabled: true } });
    expect(await count()).toBe(2);
    await call("DELETE", `/v1/webhooks/${b.id}`, { key: t.key });
    await call("PATCH", `/v1/webhooks/${a.id}`, { key: t.key, body: { enabled: false } });
    await call("DELETE", `/v1/webhooks/${a.id}`, { key: t.key });
    expect(await count()).toBe(0);
  });

  it.each([
    ["http://127.0.0.1/hook", "url must use https"],
    ["https://127.0.0.1/hook", "url must not target a private, loopback or link-local address"],
    ["https://169.254.169.254/latest/meta-data", "url must not target a private, loopback or link-local address"],
    ["https://[::1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://10.0.0.1/hook", "url must not target a private, loopback or link-local address"],
    ["https://192.168.1.20/hook", "url must not target a private, loopback or link-local address"],
    ["https://localhost/hook", "url must not target a local or internal host"],
    ["https://localhost../hook", "url must not target a local or internal host"],
    ["https://LOCALHOST./hook", "url must not target a local or internal host"],
    ["https://printer.local/hook", "url must not target a local or internal host"],
    ["https://router.home.arpa/hook", "url must not target a local or internal host"],
    ["https://intranet/hook", "url must not target a local or internal host"],
    ["https://[::127.0.0.1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[::ffff:10.0.0.1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[64:ff9b::7f00:1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[2002:7f00:1::]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[2001::1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[fec0::1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[fd12:3456::1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://[fe80::1]/hook", "url must not target a private, loopback or link-local address"],
    ["https://100.64.0.1/hook", "url must not target a private, loopback or link-local address"],
    ["https://198.18.0.1/hook", "url must not target a private, loopback or link-local address"],
    ["https://0x7f000001/hook", "url must not target a private, loopback or link-local address"],
    ["https://2130706433/hook", "url must not target a private, loopback or link-local address"],
    ["https://hooks.example/a\r\nHost: evil", "url must not contain spaces or control characters"],
    ["https://metadata.google.internal/x", "url must not target a local or internal host"],
    ["https://user:pw@x.example/hook", "url must not contain credentials"],
    ["ftp://files.example/hook", "url must use https"],
    ["not a url", "url must be a valid URL"],
  ])("refuses %s", async (url, message) => {
    expectError(await call("POST", "/v1/webhooks", { key: t.key, body: { url, events: ["*"] } }), 400, "validation_failed", message);
  });

  it("fans an event out to every endpoint, more than one insert's worth of them (D1 binds 100 variables a statement)", async () => {
    const hooks: { id: string }[] = [];
    for (let i = 0; i < 20; i++) hooks.push(await register(["contact.created"], `${RECEIVER}/many/${i}`));
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Popular" } });
    expect(created.status).toBe(201);
    const [event] = (await eventsOf(t.workspaceId)).filter((e) => e.type === "contact.created");
    await vi.waitFor(
      async () => {
        const { results } = await env.DB.prepare("SELECT webhook_id FROM webhook_messages WHERE event_id = ?")
          .bind(event!.id)
          .all<{ webhook_id: string }>();
        expect(results.map((m) => m.webhook_id).sort()).toEqual(hooks.map((h) => h.id).sort());
      },
      { timeout: 5_000, interval: 100 },
    );
  });

  it("refuses unknown event types", async () => {
    expectError(
      await call("POST", "/v1/webhooks", { key: t.key, body: { url: RECEIVER, events: ["contact.exploded"] } }),
      400,
      "validation_failed",
      /events.0 must be one of/,
    );
  });
});

describe("outbox", () => {
  it("writes one event per change in the change's own batch, and none for refused changes or workspaces without endpoints", async () => {
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Before" } });
    expect(await eventsOf(t.workspaceId)).toEqual([]);
    await register();
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Ada", email: "ada@x.example" } });
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Dup", email: "ada@x.example" } });
    await call("PATCH", `/v1/contacts/${created.body.id}`, { key: t.key, body: { company: "Engines" } });
    await call("POST", `/v1/contacts/${created.body.id}/tags/add`, { key: t.key, body: { tags: ["vip"] } });
    await call("POST", `/v1/contacts/${created.body.id}/tags/remove`, { key: t.key, body: { tags: ["vip"] } });
    await call("DELETE", `/v1/contacts/${created.body.id}`, { key: t.key });
    const events = await eventsOf(t.workspaceId);
    expect(events.map((e) => e.type)).toEqual([
      "contact.created",
      "contact.updated",
      "contact.tags_added",
      "contact.tags_removed",
      "contact.deleted",
    ]);
    const createdEvent = JSON.parse(events[0]!.payload);
    expect(createdEvent).toEqual({ type: "contact.created", timestamp: expect.stringMatching(ISO_MS), data: created.body });
    expect(JSON.parse(events[4]!.payload).data).toMatchObject({ id: created.body.id, company: "Engines", tags: [] });
  });

  it("a PATCH of plain fields writes, records its event and answers in one D1 batch, the event's data being the answer", async () => {
    await register();
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Émile", last_name: "Zola", tags: ["writer"] } });
    const { batch, restore } = spyOnSessions();
    const patched = await call("PATCH", `/v1/contacts/${created.body.id}`, {
      key: t.key,
      body: { company: 'Les "Rougon"', stage: "Customer", custom_fields: { n: 1.5, ok: true } },
    });
    expect(patched.status).toBe(200);
    expect(batch).toHaveBeenCalledTimes(1);
    restore();
    expect(patched.body).toEqual({
      ...created.body,
      company: 'Les "Rougon"',
      stage: "Customer",
      custom_fields: { n: 1.5, ok: true },
      updated_at: expect.stringMatching(ISO_MS),
    });
    const events = await eventsOf(t.workspaceId);
    expect(events.map((e) => e.type)).toEqual(["contact.created", "contact.updated"]);
    expect(events[1]!.payload).toBe(
      JSON.stringify({ type: "contact.updated", timestamp: JSON.parse(events[1]!.payload).timestamp, data: patched.body }),
    );
    // Not a plain field (the name feeds the sort key): read, checked and written as before, same answer shape.
    const renamed = await call("PATCH", `/v1/contacts/${created.body.id}`, { key: t.key, body: { last_name: "Zola-Dreyfus" } });
    expect(renamed.body).toMatchObject({ name: "Émile Zola-Dreyfus", company: 'Les "Rougon"' });
    expect(
      (await call("PATCH", `/v1/contacts/01a20000-0000-7000-8000-0000000000aa`, { key: t.key, body: { company: "Nobody" } })).status,
    ).toBe(404);
    expect((await eventsOf(t.workspaceId)).length).toBe(3);
  });

  it("writes of one shape, built once and reused, carry each request's own values (two workspaces, same fields)", async () => {
    const other = await newWorkspace();
    await register();
    await call("POST", "/v1/webhooks", { key: other.key, body: { url: RECEIVER, events: ["*"] } });
    const tenants = [t, other] as const;
    const created = await Promise.all(
      tenants.map((w, i) => call("POST", "/v1/contacts", { key: w.key, body: { first_name: `First ${i}`, tags: [`t${i}`] } })),
    );
    const patched = await Promise.all(
      tenants.map((w, i) =>
        call("PATCH", `/v1/contacts/${created[i]!.body.id}`, { key: w.key, body: { company: `Company ${i}`, custom_fields: { n: i } } }),
      ),
    );
    for (const [i, w] of tenants.entries()) {
      expect(patched[i]!.body).toEqual({
        ...created[i]!.body,
        company: `Company ${i}`,
        custom_fields: { n: i },
        updated_at: expect.stringMatching(ISO_MS),
      });
      expect((await call("GET", `/v1/contacts/${created[i]!.body.id}`, { key: w.key })).body).toEqual(patched[i]!.body);
      const events = await eventsOf(w.workspaceId);
      expect(events.map((e) => [e.type, JSON.parse(e.payload).data])).toEqual([
        ["contact.created", created[i]!.body],
        ["contact.updated", patched[i]!.body],
      ]);
    }
    const ids = [...(await eventsOf(t.workspaceId)), ...(await eventsOf(other.workspaceId))].map((e) => e.id);
    expect(new Set(ids).size).toBe(4);
  });

  it("emits scan.recorded to the profile owner's endpoints", async () => {
    await register(["scan.recorded"]);
    const profile = await call("POST", "/v1/profiles", { key: t.key, body: { handle: `hook-${Date.now() % 100000}`, name: "Scanned" } });
    await visit(`/q/${profile.body.handle}`);
    await scansSettled(profile.body.id);
    const [event] = await eventsOf(t.workspaceId);
    expect(JSON.parse(event!.payload)).toMatchObject({ type: "scan.recorded", data: { profile_id: profile.body.id, source: "qr_scan" } });
    // Through the API, with a referrer: the event's data is the scan as the answer shows it, byte for byte.
    const recorded = await call("POST", "/v1/contacts/scans", {
      key: t.key,
      body: { profile_id: profile.body.id, source: "web", referrer: "https://Summit.example/agenda?x=1" },
    });
    expect(recorded.status).toBe(201);
    await scansSettled(profile.body.id);
    const events = await eventsOf(t.workspaceId);
    expect(events.length).toBe(2);
    const { counts, ...scan } = recorded.body;
    expect(counts).toEqual({ total: 2, qr_scan: 1, web: 1, mcp: 0 });
    expect(scan.referrer).toBe("summit.example");
    const timestamp = JSON.parse(events[1]!.payload).timestamp;
    expect(events[1]!.payload).toBe(JSON.stringify({ type: "scan.recorded", timestamp, data: scan }));
    expect(events[1]!.id).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it("a change whose queue send fails is still delivered after the cron sweep", async () => {
    await register(["contact.created"]);
    const send = vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockRejectedValue(new Error("queue unavailable"));
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Swept" } });
    expect(created.status).toBe(201);
    await vi.waitFor(() => expect(send).toHaveBeenCalled());
    // The failed send gives the claim back (a moment after the send is called): the sweep finds the event.
    await vi.waitFor(async () => {
      const row = await env.DB.prepare("SELECT enqueued_at FROM webhook_events WHERE workspace_id = ?")
        .bind(t.workspaceId)
        .first<{ enqueued_at: string | null }>();
      expect(row!.enqueued_at).toBeNull();
    });
    send.mockRestore();
    const received = receiver([200]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date("2026-11-23T10:00:00Z"), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    await vi.waitFor(() => expect(received.some((r) => JSON.parse(r.body).data?.id === created.body.id)).toBe(true), { timeout: 10_000 });
  });
});

describe("queue consumer", () => {
  it("delivers with Standard Webhooks headers that the reference library verifies, and acks", async () => {
    const hook = await register(["contact.created"]);
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Signed" } });
    const [event] = await eventsOf(t.workspaceId);
    const [messageId] = await messagesFor(event!.id);
    const received = receiver([204]);
    const result = await consume({ kind: "deliver", id: messageId! });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    const [request] = received;
    expect(request!.url).toBe(RECEIVER);
    expect(request!.headers.get("webhook-id")).toBe(messageId);
    expect(request!.headers.get("content-type")).toBe("application/json");
    const verified = new StandardWebhook(hook.secret).verify(request!.body, Object.fromEntries(request!.headers));
    expect(verified).toEqual({ type: "contact.created", timestamp: expect.stringMatching(ISO_MS), data: created.body });
    const log = await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key });
    expect(log.body.data).toEqual([
      {
        id: expect.stringMatching(UUID),
        event_id: event!.id,
        event_type: "contact.created",
        attempt: 1,
        status: 204,
        duration_ms: expect.any(Number),
        error: null,
        attempted_at: expect.stringMatching(ISO_MS),
      },
    ]);
  });

  it("retries 5xx with growing delays and the same webhook-id, honours Retry-After, and gives up after 8 attempts", async () => {
    const hook = await register(["contact.created"]);
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Flaky" } });
    const [event] = await eventsOf(t.workspaceId);
    const [messageId] = await messagesFor(event!.id);
    const received = receiver([500, 503, [429, { "retry-after": "120" }], 500]);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt++) {
      const result = await consume({ kind: "deliver", id: messageId! });
      if (attempt < 8) {
        expect(result.retryMessages).toHaveLength(1);
        delays.push(result.delaySeconds!);
      } else {
        expect(result.retryMessages).toEqual([]);
        expect(result.explicitAcks).toHaveLength(1);
      }
    }
    // Base 2 s: about 2, 4, then at least the 120 s asked for, then 16, 32, 64, 128 (±20 %).
    expect(delays[0]).toBeGreaterThanOrEqual(2);
    expect(delays[0]).toBeLessThanOrEqual(3);
    expect(delays[1]).toBeGreaterThanOrEqual(3);
    expect(delays[1]).toBeLessThanOrEqual(5);
    expect(delays[2]).toBeGreaterThanOrEqual(120);
    for (let i = 4; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]! * 1.3);
    expect(new Set(received.map((r) => r.headers.get("webhook-id")))).toEqual(new Set([messageId]));
    const log = await call("GET", `/v1/webhooks/${hook.id}/deliveries?limit=100`, { key: t.key });
    expect(log.body.data.map((d: { attempt: number; status: number }) => [d.attempt, d.status]).reverse()).toEqual([
      [1, 500],
      [2, 503],
      [3, 429],
      [4, 500],
      [5, 500],
      [6, 500],
      [7, 500],
      [8, 500],
    ]);
    const message = await env.DB.prepare("SELECT state, attempts FROM webhook_messages WHERE id = ?").bind(messageId).first();
    expect(message).toEqual({ state: "failed", attempts: 8 });
    expect((await call("GET", `/v1/webhooks/${hook.id}`, { key: t.key })).body.enabled).toBe(true);
  });

  it("a 410 disables the endpoint at once; redirects are not followed", async () => {
    const hook = await register(["contact.created"]);
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Gone" } });
    const [event] = await eventsOf(t.workspaceId);
    const [messageId] = await messagesFor(event!.id);
    receiver([[302, { location: "https://elsewhere.example/" }], 410]);
    const redirected = await consume({ kind: "deliver", id: messageId! });
    expect(redirected.retryMessages).toHaveLength(1);
    const gone = await consume({ kind: "deliver", id: messageId! });
    expect(gone.explicitAcks).toHaveLength(1);
    expect((await call("GET", `/v1/webhooks/${hook.id}`, { key: t.key })).body).toMatchObject({
      enabled: false,
      disabled_reason: "the endpoint answered 410 Gone",
    });
    const log = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key })).body.data;
    expect(log.map((d: { status: number; error: string | null }) => [d.status, d.error])).toEqual([
      [410, "HTTP 410"],
      [302, "redirects are not followed"],
    ]);
    // A disabled endpoint gets no new events.
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "After" } });
    expect(await eventsOf(t.workspaceId)).toHaveLength(1);
  });

  it("8 messages given up in a row disable the endpoint", async () => {
    const hook = await register(["contact.created"]);
    receiver([500]);
    for (let i = 0; i < 8; i++) {
      await call("POST", "/v1/contacts", { key: t.key, body: { first_name: `Lost${i}` } });
      const events = await eventsOf(t.workspaceId);
      const [messageId] = await messagesFor(events.at(-1)!.id);
      for (let attempt = 1; attempt <= 8; attempt++) await consume({ kind: "deliver", id: messageId! });
    }
    expect((await call("GET", `/v1/webhooks/${hook.id}`, { key: t.key })).body).toMatchObject({
      enabled: false,
      disabled_reason: "8 deliveries in a row failed",
    });
  });

  it("checks the URL again at delivery time", async () => {
    const hook = await register(["contact.created"]);
    await env.DB.prepare("UPDATE webhooks SET url = 'https://10.1.2.3/x' WHERE id = ?").bind(hook.id).run();
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Guarded" } });
    const [event] = await eventsOf(t.workspaceId);
    const [messageId] = await messagesFor(event!.id);
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const result = await consume({ kind: "deliver", id: messageId! });
    expect(result.explicitAcks).toHaveLength(1);
    expect(fetchSpy).not.toHaveBeenCalled();
    const [delivery] = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key })).body.data;
    expect(delivery).toMatchObject({ status: null, error: "url must not target a private, loopback or link-local address" });
  });
});

describe("rotation, test events and manual retries", () => {
  it("signs with both secrets during a rotation; sends webhook.test; retries a logged delivery", async () => {
    const hook = await register(["contact.created"]);
    const rotated = await call("POST", `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(rotated.body.previous_secret_expires_at).toMatch(ISO_MS);
    const send = vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    const tested = await call("POST", `/v1/webhooks/${hook.id}/test`, { key: t.key });
    expect(tested.status).toBe(202);
    expect(tested.body.event_id).toMatch(/^evt_/);
    expect(send).toHaveBeenCalled();
    send.mockRestore();
    const [messageId] = await messagesFor(tested.body.event_id);
    const received = receiver([500, 200]);
    await consume({ kind: "deliver", id: messageId! });
    const signatures = received[0]!.headers.get("webhook-signature")!.split(" ");
    expect(signatures).toHaveLength(2);
    for (const secret of [hook.secret, rotated.body.secret]) {
      expect(new StandardWebhook(secret).verify(received[0]!.body, Object.fromEntries(received[0]!.headers))).toMatchObject({
        type: "webhook.test",
        data: { webhook_id: hook.id },
      });
    }
    const [failed] = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key })).body.data;
    const queued = vi.spyOn(env.WEBHOOK_QUEUE, "send").mockResolvedValue(undefined as never);
    const retried = await call("POST", `/v1/webhooks/${hook.id}/deliveries/${failed.id}/retry`, { key: t.key });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ message_id: messageId });
    expect(queued).toHaveBeenCalledWith({ kind: "deliver", id: messageId });
    queued.mockRestore();
    await consume({ kind: "deliver", id: messageId! });
    const attempts = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key })).body.data;
    expect(attempts.map((d: { attempt: number; status: number }) => [d.attempt, d.status])).toEqual([
      [2, 200],
      [1, 500],
    ]);
  });
});

describe("a previous secret that no listed key opens", () => {
  it("stops signing, and the current secret signs on", async () => {
    const hook = await register(["contact.created"]);
    const rotated = await call("POST", `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key });
    expect(rotated.status).toBe(200);
    // Its key was removed within the overlap: what it sealed no longer opens.
    const removedKey = "t9:YW5vdGhlci1kZXBsb3ltZW50cy1rZXktMDAwMDAwLTE=";
    await env.DB.prepare("UPDATE webhooks SET previous_secret = ? WHERE id = ?")
      .bind(await seal(removedKey, hook.id, hook.secret), hook.id)
      .run();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const send = vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
    const tested = await call("POST", `/v1/webhooks/${hook.id}/test`, { key: t.key });
    send.mockRestore();
    const [messageId] = await messagesFor(tested.body.event_id);
    const received = receiver([200]);
    await consume({ kind: "deliver", id: messageId! });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.get("webhook-signature")!.split(" ")).toHaveLength(1);
    expect(new StandardWebhook(rotated.body.secret).verify(received[0]!.body, Object.fromEntries(received[0]!.headers))).toMatchObject({
      type: "webhook.test",
    });
    expect(() => new StandardWebhook(hook.secret).verify(received[0]!.body, Object.fromEntries(received[0]!.headers))).toThrow();
    const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(logged).toContainEqual({
      level: "error",
      msg: "previous webhook secret does not open",
      webhook_id: hook.id,
      error: 'Error: no key "t9" in WEBHOOK_SECRET_KEYS to open this value',
    });
    const [delivery] = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key })).body.data;
    expect(delivery).toMatchObject({ attempt: 1, status: 200, error: null });
  });
});

describe("the daily purge", () => {
  it("forgets a previous secret once its overlap has ended, and keeps one still overlapping", async () => {
    const ended = await register(["contact.created"]);
    const overlapping = await register(["contact.created"], "https://receiver.example/other");
    for (const hook of [ended, overlapping])
      expect((await call("POST", `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key })).status).toBe(200);
    await env.DB.prepare("UPDATE webhooks SET previous_secret_expires_at = ? WHERE id = ?")
      .bind("2026-01-01T00:00:00.000Z", ended.id)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date("2026-11-23T03:17:00Z"), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const rows = await env.DB.prepare(
      "SELECT id, previous_secret IS NOT NULL AS kept, previous_secret_expires_at AS expires FROM webhooks WHERE workspace_id = ?",
    )
      .bind(t.workspaceId)
      .all<{ id: string; kept: number; expires: string | null }>();
    const byId = Object.fromEntries(rows.results.map((r) => [r.id, r]));
    expect(byId[ended.id]).toEqual({ id: ended.id, kept: 0, expires: null });
    expect(byId[overlapping.id]).toMatchObject({ id: overlapping.id, kept: 1, expires: expect.stringMatching(ISO_MS) });
  });
});

describe("end to end through the real queue", () => {
  it("a receiver answering 500 twice then 200 gets exactly three attempts with one webhook-id", async () => {
    const hook = await register(["contact.created"]);
    // Its own address: earlier tests' events may still be retried towards the shared one.
    const url = `${RECEIVER}/${hook.id}`;
    await env.DB.prepare("UPDATE webhooks SET url = ? WHERE id = ?").bind(url, hook.id).run();
    const received = receiver([500, 500, 200], url);
    vi.spyOn(Math, "random").mockReturnValue(0); // shortest jitter: delays of about 1.6 s and 3.2 s
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Persistent" } });
    expect(created.status).toBe(201);
    await vi.waitFor(() => expect(received).toHaveLength(3), { timeout: 20_000, interval: 200 });
    expect(new Set(received.map((r) => r.headers.get("webhook-id"))).size).toBe(1);
    await vi.waitFor(
      async () => {
        const log = (await call("GET", `/v1/webhooks/${hook.id}/deliveries`, { key: t.key })).body.data;
        expect(log.map((d: { attempt: number; status: number }) => [d.attempt, d.status])).toEqual([
          [3, 200],
          [2, 500],
          [1, 500],
        ]);
      },
      { timeout: 5_000, interval: 200 },
    ); // the last attempt's log entry is written after its answer
  });
});

void exports;
