import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiClient, provision, type RunningServer, startServer } from "./server";

let server: RunningServer;
let key: string;
let receiver: Server;
let receiverUrl: string;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
/** Status codes to answer, per receiver path, in order (the last one repeats). */
const script = new Map<string, number[]>();

let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ path: req.url!, headers: req.headers, body });
      const answers = script.get(req.url!) ?? [200];
      const seen = received.filter((r) => r.path === req.url).length;
      res.writeHead(answers[Math.min(seen - 1, answers.length - 1)]!).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  server = await startServer();
  key = await provision(server.base, "business");
  api = apiClient(server.base, key);
});

afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

describe("webhooks against the README's server and a local receiver", () => {
  it("delivers contact.created, verifiable with the standardwebhooks library", async () => {
    const hook = await api("POST", "/v1/webhooks", { url: `${receiverUrl}/ok`, events: ["contact.created"] });
    expect(hook.status).toBe(201);
    const created = await api("POST", "/v1/contacts", { first_name: "Webhook", last_name: "Receiver" });
    await vi.waitFor(() => expect(received.filter((r) => r.path === "/ok")).toHaveLength(1), { timeout: 20_000, interval: 200 });
    const [delivery] = received.filter((r) => r.path === "/ok");
    const payload = new Webhook(hook.body.secret).verify(delivery!.body, delivery!.headers as Record<string, string>);
    expect(payload).toEqual({ type: "contact.created", timestamp: expect.any(String), data: created.body });
  });

  it("delivers lead.captured for a visitor's form on the card, verifiable with the standardwebhooks library", async () => {
    const hook = await api("POST", "/v1/webhooks", { url: `${receiverUrl}/leads`, events: ["lead.captured"] });
    const card = await api("POST", "/v1/profiles", { handle: `booth-${Date.now() % 1e6}`, name: "Booth Card" });
    // The visitor arrives through the QR code and sends the form as a browser would.
    const page = await fetch(`${server.base}/q/${card.body.handle}`);
    expect([page.status, page.url]).toEqual([200, `${server.base}/p/${card.body.handle}?via=qr`]);
    const html = await page.text();
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
    const sent = await fetch(`${server.base}/p/${card.body.handle}/connect`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({
        csrf: hidden("csrf")!,
        via: hidden("via")!,
        website: "",
        name: "Katherine Johnson",
        email: "katherine@nasa.example",
        consent: "yes",
      }),
    });
    expect([sent.status, sent.headers.get("location")]).toEqual([303, `/p/${card.body.handle}?shared=1`]);
    await vi.waitFor(() => expect(received.filter((r) => r.path === "/leads")).toHaveLength(1), { timeout: 20_000, interval: 200 });
    const [delivery] = received.filter((r) => r.path === "/leads");
    const payload = new Webhook(hook.body.secret).verify(delivery!.body, delivery!.headers as Record<string, string>);
    const contacts = await api("GET", "/v1/contacts?tags=lead");
    expect(contacts.body.data).toHaveLength(1);
    expect(contacts.body.data[0]).toMatchObject({
      name: "Katherine Johnson",
      email: "katherine@nasa.example",
      source: "qr_scan",
      tags: ["lead"],
      captured_by_profile_id: card.body.id,
      consent_at: expect.any(String),
    });
    expect(payload).toEqual({
      type: "lead.captured",
      timestamp: expect.any(String),
      data: { contact: contacts.body.data[0], profile_id: card.body.id, via: "qr" },
    });
  });

  it("a receiver answering 500 twice then 200 gets three attempts with one webhook-id, all in the delivery log", async () => {
    script.set("/flaky", [500, 500, 200]);
    const hook = await api("POST", "/v1/webhooks", { url: `${receiverUrl}/flaky`, events: ["contact.updated"] });
    const contact = await api("POST", "/v1/contacts", { first_name: "Flaky" });
    await api("PATCH", `/v1/contacts/${contact.body.id}`, { company: "Retry Inc" });
    await vi.waitFor(() => expect(received.filter((r) => r.path === "/flaky")).toHaveLength(3), { timeout: 30_000, interval: 250 });
    const attempts = received.filter((r) => r.path === "/flaky");
    expect(new Set(attempts.map((a) => a.headers["webhook-id"])).size).toBe(1);
    await vi.waitFor(
      async () => {
        const log = await api("GET", `/v1/webhooks/${hook.body.id}/deliveries`);
        expect(log.body.data.map((d: { attempt: number; status: number }) => [d.attempt, d.status])).toEqual([
          [3, 200],
          [2, 500],
          [1, 500],
        ]);
      },
      { timeout: 10_000, interval: 250 },
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(received.filter((r) => r.path === "/flaky")).toHaveLength(3);
  });
});
