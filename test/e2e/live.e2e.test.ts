import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiClient, PHONE_SAFARI, provision, type RunningServer, startServer } from "./server";

/**
 * The booth's live feed over real HTTP, from `npm start`: an EventSource (the `eventsource`
 * package, the WHATWG client for Node) follows a card while a phone scans it and its visitor
 * shares their details, and a plain reader of the same stream sees the heartbeat 25 s later.
 */

let server: RunningServer;
let key: string;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await startServer();
  key = await provision(server.base);
  api = apiClient(server.base, key);
});

afterAll(async () => {
  await server?.stop();
});

interface Received {
  type: string;
  id: string;
  data: Record<string, unknown>;
}

/** Follows the card's feed with an EventSource that sends the key, as a booth's screen would. */
function follow(profileId: string) {
  const received: Received[] = [];
  const source = new EventSource(`${server.base}/v1/profiles/${profileId}/live`, {
    fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, "x-api-key": key } }),
  });
  for (const type of ["scan", "lead"]) {
    source.addEventListener(type, (event) => {
      received.push({ type, id: event.lastEventId, data: JSON.parse(event.data) });
    });
  }
  return { source, received };
}

/** Reads a stream's raw text until `until` matches it. */
async function readUntil(res: Response, until: RegExp, timeoutMs: number) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until.test(text)) {
      if (Date.now() > deadline) throw new Error(`not seen within ${timeoutMs} ms: ${until}\n${text}`);
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before ${until}:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel();
  }
  return text;
}

describe("a card's live feed", () => {
  it("receives the scan and the lead while they happen, and a heartbeat when nothing does", async () => {
    const card = await api("POST", "/v1/profiles", { handle: `booth-${Date.now() % 1e6}`, name: "Ada Lovelace" });
    expect(card.status).toBe(201);
    const raw = await fetch(`${server.base}/v1/profiles/${card.body.id}/live`, { headers: { "x-api-key": key } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get("content-type")).toBe("text/event-stream");
    expect(raw.headers.get("cache-control")).toBe("no-cache");
    const heartbeat = readUntil(raw, /\n: heartbeat\n\n/, 40_000);

    const { source, received } = follow(card.body.id);
    try {
      await vi.waitFor(() => expect(source.readyState).toBe(EventSource.OPEN), { timeout: 5000 });

      const scanned = await fetch(`${server.base}/q/${card.body.handle}`, { headers: { "user-agent": PHONE_SAFARI }, redirect: "manual" });
      expect(scanned.status).toBe(302);
      await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 5000 });
      expect(received[0]).toEqual({
        type: "scan",
        id: "1",
        data: {
          source: "qr_scan",
          country: expect.stringMatching(/^[A-Z]{2}$/),
          device: expect.stringMatching(/^(mobile|tablet|desktop|other)$/),
          scanned_at: expect.any(String),
        },
      });

      const page = await (await fetch(`${server.base}/p/${card.body.handle}?via=qr`, { headers: { "user-agent": PHONE_SAFARI } })).text();
      // The page's scan is handed on after its answer: it is on the feed before the lead is sent.
      await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 5000 });
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const shared = await fetch(`${server.base}/p/${card.body.handle}/connect`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": PHONE_SAFARI },
        body: new URLSearchParams({ csrf, via: "qr", website: "", name: "Grace Hopper", email: "grace@navy.example", consent: "yes" }),
        redirect: "manual",
      });
      expect(shared.status).toBe(303);
      await vi.waitFor(() => expect(received).toHaveLength(3), { timeout: 5000 });
      const contact = (await api("GET", "/v1/contacts?email=grace@navy.example")).body.data[0];
      expect(received.slice(1)).toEqual([
        { type: "scan", id: "2", data: expect.objectContaining({ source: "web" }) },
        { type: "lead", id: "3", data: { contact_id: contact.id, name: "Grace Hopper", via: "qr", captured_at: contact.consent_at } },
      ]);
    } finally {
      source.close();
    }

    // The first stream, open all along, has had the same events and then its heartbeat.
    const text = await heartbeat;
    expect(text.match(/^event: \w+$/gm)).toEqual(["event: scan", "event: scan", "event: lead"]);
  }, 60_000);
});
