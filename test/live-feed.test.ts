import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { EventSource } from "eventsource";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { formToken } from "../src/public/lead-form";
import { LIVE_EVENTS_KEPT } from "../src/scans/live-feed";
import { newScan } from "../src/scans/scans.data";
import { type Answer, BASE, call, expectError, newWorkspace, PHONE_UA, scansSettled, type Tenant, visit } from "./helpers";
import { type Frame, SseReader } from "./sse";

/**
 * The live feed of a card: `GET /v1/profiles/{id}/live` read as a client reads it (every line of
 * the stream, and the `eventsource` package where a real EventSource's behaviour is the point),
 * while scans and leads happen through the API and the public pages.
 */

let owner: Tenant;
let seq = 0;

beforeAll(async () => {
  owner = await newWorkspace("business");
});

async function newCard(tenant: Tenant = owner) {
  const res = await call("POST", "/v1/profiles", {
    key: tenant.key,
    body: { handle: `live-${Date.now() % 1e6}-${++seq}`, name: "Ada Lovelace" },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; handle: string };
}

type LiveOptions = { key?: string; headers?: Record<string, string>; query?: string; settings?: Record<string, string> };

/** Requests the card's live stream as a client does; with `settings`, under other LIVE_* settings. */
function openLive(profileId: string, options: LiveOptions = {}) {
  const request = new Request(`${BASE}/v1/profiles/${profileId}/live${options.query ?? ""}`, {
    headers: { "x-api-key": options.key ?? owner.key, accept: "text/event-stream", ...options.headers },
  });
  if (!options.settings) return exports.default.fetch(request);
  return worker.fetch(request, { ...env, ...options.settings } as Env, createExecutionContext());
}

/** An open stream, read past its `retry` hint. */
async function stream(profileId: string, options: LiveOptions = {}) {
  const res = await openLive(profileId, options);
  expect(res.status).toBe(200);
  const reader = new SseReader(res);
  expect(await reader.next()).toEqual({ retry: "3000" });
  return reader;
}

const counter = (profileId: string) => env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(profileId));
const openSockets = (profileId: string) => runInDurableObject(counter(profileId), (_, state) => state.getWebSockets().length);

const recordScan = async (profileId: string, source = "web") => {
  const res = await call("POST", "/v1/contacts/scans", { key: owner.key, body: { profile_id: profileId, source } });
  expect(res.status).toBe(201);
  return res.body as { scanned_at: string };
};

/** A scan event; no `cf` here, so the country is unknown; the device is the visit's (an API scan's unless given). */
const scanFrame = (id: number, source: string, scannedAt: string, device = "other"): Frame => ({
  event: "scan",
  id: String(id),
  data: JSON.stringify({ source, country: "XX", device, scanned_at: scannedAt }),
});

/**
 * Posts the card's lead form as a phone's browser does, with a token from the card's page; with
 * `environment`, to a Worker with those bindings, waiting for what it does after its answer.
 */
async function shareDetails(handle: string, fields: Record<string, string> = {}, environment?: Env): Promise<Answer> {
  const page = await visit(`/p/${handle}?via=qr`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
  const form = { csrf, via: "qr", website: "", name: "Grace Hopper", email: "grace@navy.example", consent: "yes", ...fields };
  const request = new Request(`${BASE}/p/${handle}/connect`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": PHONE_UA },
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  let res: Response;
  if (environment) {
    const ctx = createExecutionContext();
    res = await worker.fetch(request, environment, ctx);
    await waitOnExecutionContext(ctx);
  } else res = await exports.default.fetch(request);
  return { status: res.status, headers: res.headers, text: await res.text(), body: undefined };
}

const contactByEmail = (workspaceId: string, email: string) =>
  env.DB.prepare("SELECT id, consent_at FROM contacts WHERE workspace_id = ? AND email = ?")
    .bind(workspaceId, email)
    .first<{ id: string; consent_at: string }>();

describe("GET /v1/profiles/{id}/live", () => {
  it("is an event stream that sends each scan as it is counted: from the API, /q and the card page", async () => {
    const card = await newCard();
    const res = await openLive(card.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-request-id")).toMatch(/\S/);
    const reader = new SseReader(res);
    expect(await reader.next()).toEqual({ retry: "3000" });

    const api = await recordScan(card.id, "mcp");
    expect(await reader.next()).toEqual(scanFrame(1, "mcp", api.scanned_at));
    // A link preview is not a scan, so it is not on the feed; the phone that follows is.
    await visit(`/q/${card.handle}`, { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" });
    await visit(`/q/${card.handle}`);
    await visit(`/p/${card.handle}?via=qr`);
    const [qr, page] = [await reader.next(), await reader.next()];
    await scansSettled(card.id);
    const [atQr, atPage] = (
      await env.DB.prepare("SELECT scanned_at FROM scans WHERE profile_id = ? AND source != 'mcp' ORDER BY scanned_at, id")
        .bind(card.id)
        .all<{ scanned_at: string }>()
    ).results.map((r) => r.scanned_at);
    expect([qr, page]).toEqual([scanFrame(2, "qr_scan", atQr!, "mobile"), scanFrame(3, "web", atPage!, "mobile")]);
    await reader.close();
  });

  it("sends a lead once it is stored: a new contact, then the same person again, but nothing for a refused form", async () => {
    const card = await newCard();
    const reader = await stream(card.id);
    expect((await shareDetails(card.handle)).status).toBe(303);
    // The card page's visit came first.
    expect(await reader.next()).toMatchObject({ event: "scan", id: "1" });
    const stored = (await contactByEmail(owner.workspaceId, "grace@navy.example"))!;
    expect(await reader.next()).toEqual({
      event: "lead",
      id: "2",
      data: JSON.stringify({ contact_id: stored.id, name: "Grace Hopper", via: "qr", captured_at: stored.consent_at }),
    });

    expect((await shareDetails(card.handle, { name: "  Grace B. Hopper ", website: "filled by a bot" })).status).toBe(400);
    expect((await shareDetails(card.handle, { csrf: await formToken("another secret", card.handle) })).status).toBe(400);
    expect((await shareDetails(card.handle, { name: "  Grace B. Hopper " })).status).toBe(303);
    for (const id of ["3", "4", "5"]) expect(await reader.next()).toMatchObject({ event: "scan", id });
    const again = (await contactByEmail(owner.workspaceId, "grace@navy.example"))!;
    expect(again.id).toBe(stored.id);
    expect(await reader.next()).toEqual({
      event: "lead",
      id: "6",
      data: JSON.stringify({ contact_id: stored.id, name: "Grace B. Hopper", via: "qr", captured_at: again.consent_at }),
    });
    await reader.close();
    await call("DELETE", `/v1/contacts/${stored.id}`, { key: owner.key });
  });

  it("sends a lead held past the plan's limit, with its held lead's id and no contact", async () => {
    const full = await newWorkspace("free");
    const seeded = await call("POST", "/v1/contacts/batch", {
      key: full.key,
      body: { contacts: Array.from({ length: 100 }, (_, i) => ({ first_name: `Seed${i}` })) },
    });
    expect(seeded.status).toBe(207);
    const card = await newCard(full);
    const reader = await stream(card.id, { key: full.key });
    expect((await shareDetails(card.handle)).status).toBe(303);
    expect(await reader.next()).toMatchObject({ event: "scan", id: "1" });
    const held = (await env.DB.prepare("SELECT id, consent_at FROM held_leads WHERE profile_id = ?")
      .bind(card.id)
      .first<{ id: string; consent_at: string }>())!;
    expect(await reader.next()).toEqual({
      event: "lead",
      id: "2",
      data: JSON.stringify({ contact_id: null, held_lead_id: held.id, name: "Grace Hopper", via: "qr", captured_at: held.consent_at }),
    });
    await reader.close();
  });

  it("sends only what happens from now on to a stream without Last-Event-ID", async () => {
    const card = await newCard();
    await recordScan(card.id);
    const reader = await stream(card.id);
    const now = await recordScan(card.id);
    expect(await reader.next()).toEqual(scanFrame(2, "web", now.scanned_at));
    await reader.close();
  });

  it.each([
    ["the Last-Event-ID header", (id: string) => ({ headers: { "last-event-id": id } })],
    ["?last_event_id for clients that cannot send headers", (id: string) => ({ query: `?last_event_id=${id}` })],
    ["the header over the query", (id: string) => ({ headers: { "last-event-id": id }, query: "?last_event_id=0" })],
  ])("resumes after %s: exactly the events missed, then what happens next", async (_, resume) => {
    const card = await newCard();
    const first = await stream(card.id);
    const seen = [await recordScan(card.id), await recordScan(card.id)];
    expect(await first.next()).toEqual(scanFrame(1, "web", seen[0]!.scanned_at));
    expect(await first.next()).toEqual(scanFrame(2, "web", seen[1]!.scanned_at));
    await first.close();
    await vi.waitFor(async () => expect(await openSockets(card.id)).toBe(0));

    const missed = [await recordScan(card.id, "qr_scan"), await recordScan(card.id, "mcp")];
    const again = await stream(card.id, resume("2"));
    expect(await again.next()).toEqual(scanFrame(3, "qr_scan", missed[0]!.scanned_at));
    expect(await again.next()).toEqual(scanFrame(4, "mcp", missed[1]!.scanned_at));
    const next = await recordScan(card.id);
    expect(await again.next()).toEqual(scanFrame(5, "web", next.scanned_at));
    await again.close();
  });

  it(`keeps at least the last ${LIVE_EVENTS_KEPT} events to resume from, and forgets older ones`, async () => {
    const card = await newCard();
    const total = LIVE_EVENTS_KEPT + 150;
    await counter(card.id).record(Array.from({ length: total }, () => newScan(card.id, "qr_scan")));
    const reader = await stream(card.id, { headers: { "last-event-id": "0" } });
    const ids: number[] = [];
    while (ids.at(-1) !== total) ids.push(Number((await reader.next())!.id));
    expect(ids.length).toBeGreaterThanOrEqual(LIVE_EVENTS_KEPT);
    expect(ids[0]).toBeGreaterThan(1);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0]! + i));
    await recordScan(card.id);
    expect(await reader.next()).toMatchObject({ event: "scan", id: String(total + 1) });
    await reader.close();
  });

  it("sends a heartbeat comment every LIVE_HEARTBEAT_MS, answered by the runtime for the object", async () => {
    const card = await newCard();
    const reader = await stream(card.id, { settings: { LIVE_HEARTBEAT_MS: "40" } });
    for (let i = 0; i < 3; i++) expect(await reader.next(500)).toEqual({ comment: "heartbeat" });
    // The pings were answered by the auto-response, which never runs the object's code.
    const answered = await runInDurableObject(counter(card.id), (_, state) =>
      state.getWebSockets().map((socket) => state.getWebSocketAutoResponseTimestamp(socket)),
    );
    expect(answered).toEqual([expect.any(Date)]);
    const scan = await recordScan(card.id);
    let frame = await reader.next();
    while (frame?.comment) frame = await reader.next();
    expect(frame).toEqual(scanFrame(1, "web", scan.scanned_at));
    await reader.close();
  });

  it("ends the stream when a heartbeat's ping goes unanswered, so the client reconnects", async () => {
    const card = await newCard();
    const reader = await stream(card.id, { settings: { LIVE_HEARTBEAT_MS: "40" } });
    expect(await reader.next(500)).toEqual({ comment: "heartbeat" });
    await runInDurableObject(counter(card.id), (_, state) => state.setWebSocketAutoResponse());
    await reader.end(1000);
    await vi.waitFor(async () => expect(await openSockets(card.id)).toBe(0));
  });

  it("closes the object's socket when the client goes away, and keeps nothing running while idle", async () => {
    const card = await newCard();
    const reader = await stream(card.id);
    expect(await openSockets(card.id)).toBe(1);
    // No alarm, no table: an open stream on a quiet card costs its object nothing.
    expect(
      await runInDurableObject(counter(card.id), async (_, state) => ({
        alarm: await state.storage.getAlarm(),
        tables: state.storage.sql
          .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'")
          .toArray(),
      })),
    ).toEqual({ alarm: null, tables: [] });
    await reader.close();
    await vi.waitFor(async () => expect(await openSockets(card.id)).toBe(0));
  });

  it("ends the stream after LIVE_MAX_MS; an EventSource comes back with Last-Event-ID and misses nothing", async () => {
    const card = await newCard();
    const settings = { ...env, LIVE_MAX_MS: "300" } as Env;
    const requests: (string | null)[] = [];
    const source = new EventSource(`${BASE}/v1/profiles/${card.id}/live`, {
      fetch: async (url, init) => {
        const request = new Request(url, { ...init, headers: { ...init.headers, "x-api-key": owner.key } });
        requests.push(request.headers.get("last-event-id"));
        return worker.fetch(request, settings, createExecutionContext());
      },
    });
    const received: { type: string; id: string; data: string }[] = [];
    source.addEventListener("scan", (e) => {
      received.push({ type: e.type, id: e.lastEventId, data: e.data });
    });
    try {
      await vi.waitFor(() => expect(source.readyState).toBe(EventSource.OPEN));
      const before = await recordScan(card.id);
      await vi.waitFor(() => expect(received).toHaveLength(1));
      // Cut off after 300 ms; a scan while it waits its `retry` before reconnecting.
      await vi.waitFor(() => expect(source.readyState).toBe(EventSource.CONNECTING), { timeout: 2000 });
      const during = await recordScan(card.id, "qr_scan");
      await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 5000 });
      expect(requests).toEqual([null, "1"]);
      expect(received).toEqual([
        { type: "scan", id: "1", data: scanFrame(1, "web", before.scanned_at).data },
        { type: "scan", id: "2", data: scanFrame(2, "qr_scan", during.scanned_at).data },
      ]);
    } finally {
      source.close();
    }
    await vi.waitFor(async () => expect(await openSockets(card.id)).toBe(0), { timeout: 2000 });
  });

  it("ends the stream when the profile is deleted; coming back is then 404", async () => {
    const card = await newCard();
    const reader = await stream(card.id);
    expect((await call("DELETE", `/v1/profiles/${card.id}`, { key: owner.key })).status).toBe(200);
    await reader.end();
    const again = await call("GET", `/v1/profiles/${card.id}/live`, { key: owner.key, headers: { "last-event-id": "0" } });
    expectError(again, 404, "not_found", "Profile not found");
  });

  it("streams one of the workspace's private cards, but no other workspace's card", async () => {
    const own = await call("POST", "/v1/profiles", {
      key: owner.key,
      body: { handle: `live-private-${Date.now() % 1e6}`, name: "Private", public: false },
    });
    const reader = await stream(own.body.id);
    await reader.close();
    const other = await newWorkspace();
    const theirs = await newCard(other);
    expectError(await call("GET", `/v1/profiles/${theirs.id}/live`, { key: owner.key }), 404, "not_found", "Profile not found");
    expect(await openSockets(theirs.id)).toBe(0);
  });

  it.each<[string, LiveOptions, string]>([
    ["a word as Last-Event-ID", { headers: { "last-event-id": "latest" } }, "last-event-id"],
    ["a negative Last-Event-ID", { headers: { "last-event-id": "-1" } }, "last-event-id"],
    ["a fraction as last_event_id", { query: "?last_event_id=1.5" }, "last_event_id"],
    ["an empty last_event_id", { query: "?last_event_id=" }, "last_event_id"],
    ["an unknown parameter", { query: "?since=1" }, "since"],
  ])("refuses %s with 400, opening nothing", async (_, options, field) => {
    const card = await newCard();
    const res = await call("GET", `/v1/profiles/${card.id}/live${options.query ?? ""}`, {
      key: owner.key,
      headers: options.headers,
    });
    const body = expectError(res, 400, "validation_failed");
    expect(body.details.map((d: { field: string }) => d.field)).toEqual([field]);
    expect(await openSockets(card.id)).toBe(0);
  });
});

describe("the card's counter failing", () => {
  afterEach(() => vi.restoreAllMocks());

  /** Counters whose calls fail as `fail` does, but admit every lead. */
  const failing = (fail: () => Promise<never>) =>
    ({
      idFromName: (name: string) => env.SCAN_COUNTER.idFromName(name),
      get: () => ({ fetch: fail, publishLead: fail, countLead: fail, admitLead: async () => true }),
    }) as unknown as Env["SCAN_COUNTER"];
  const retryable = () =>
    Promise.reject(Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true }));

  it("answers 503 with Retry-After when the counter throws a retryable error, or hangs past its time", async () => {
    const card = await newCard();
    for (const environment of [
      { ...env, SCAN_COUNTER: failing(retryable) },
      { ...env, SCAN_COUNTER: failing(() => new Promise<never>(() => {})), DURABLE_OBJECT_TIMEOUT_MS: "100" },
    ] as Env[]) {
      const res = await worker.fetch(
        new Request(`${BASE}/v1/profiles/${card.id}/live`, { headers: { "x-api-key": owner.key } }),
        environment,
        createExecutionContext(),
      );
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("2");
      expect(((await res.json()) as { code: string }).code).toBe("service_unavailable");
    }
  });

  it("stores a lead whose live event cannot be sent, thanks the visitor, and logs the miss", async () => {
    const card = await newCard();
    const log = vi.spyOn(console, "error");
    const res = await shareDetails(card.handle, { email: "unseen@example.com" }, { ...env, SCAN_COUNTER: failing(retryable) } as Env);
    expect([res.status, res.headers.get("location")]).toEqual([303, `/p/${card.handle}?shared=1`]);
    expect(await contactByEmail(owner.workspaceId, "unseen@example.com")).toMatchObject({ id: expect.any(String) });
    const missed = log.mock.calls.map(([line]) => JSON.parse(String(line))).filter((l) => l.msg === "lead not sent to the live feed");
    expect(missed).toEqual([
      {
        level: "warn",
        msg: "lead not sent to the live feed",
        error: "Error: Durable Object reset because its code was updated.",
        request_id: expect.any(String),
      },
    ]);
  });
});
