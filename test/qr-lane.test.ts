import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import worker from "../src/index";
import { qrLane } from "../src/public/qr-lane";
import { BASE, call, newWorkspace, PHONE_UA, scansSettled } from "./helpers";

/** As deployed: D1 sessions off (with them on, every answer carries a bookmark and the lane stands aside). */
const deployed = { ...env, D1_SESSIONS: "off" } as Env;

let seq = 0;
const newCard = async () => {
  const t = await newWorkspace();
  const handle = `qr-lane-${Date.now() % 1e6}-${++seq}`;
  const profile = (await call("POST", "/v1/profiles", { key: t.key, body: { handle, name: "Hedy Lamarr" } })).body;
  return { t, handle, profileId: profile.id as string };
};

/** Everything an answer says: status, every header, body; and the log lines it wrote (a duration's kind, not its value). */
async function answer(send: () => Promise<Response | undefined>) {
  const lines: unknown[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => {
    const entry = JSON.parse(String(line));
    lines.push({ ...entry, duration_ms: typeof entry.duration_ms });
  });
  const res = await send();
  spy.mockRestore();
  if (!res) return undefined;
  return { status: res.status, headers: [...res.headers], body: await res.text(), lines };
}

const scanRequest = (path: string, headers: Record<string, string> = {}, base = BASE) =>
  new Request(`${base}${path}`, { headers: { "user-agent": PHONE_UA, "x-request-id": "lane-1", ...headers }, redirect: "manual" });

/** Sends `request` to the app itself and to the lane, and waits for what each does after its answer. */
async function bothWays(request: () => Request, e: Env = deployed) {
  const appCtx = createExecutionContext();
  const app = await answer(async () => createApp().fetch(request(), e, appCtx));
  await waitOnExecutionContext(appCtx);
  const laneCtx = createExecutionContext();
  const lane = await answer(() => qrLane(request(), e, laneCtx));
  await waitOnExecutionContext(laneCtx);
  return { app, lane };
}

afterEach(() => vi.restoreAllMocks());

describe("the QR redirect's lane", () => {
  it("answers a handle the isolate looked up lately exactly as the app does, and counts the scan the same way", async () => {
    const { t, handle, profileId } = await newCard();
    const cases: Array<[string, Record<string, string>, string?]> = [
      [`/q/${handle}`, {}],
      [`/q/${handle.toUpperCase()}`, {}],
      [`/q/${handle}?utm_source=badge`, {}],
      [`/q/${handle}`, {}, "http://cardbox.test"],
      [`/q/${handle}`, { "cf-connecting-ip": "203.0.113.5", referer: "https://conference.example/agenda" }],
    ];
    for (const [path, headers, base] of cases) {
      const { app, lane } = await bothWays(() => scanRequest(path, headers, base));
      expect(lane).toEqual(app);
      expect(lane).toEqual({
        status: 302,
        headers: expect.arrayContaining([
          ["location", `/p/${handle}?via=qr`],
          ["cache-control", "no-store"],
          ["x-request-id", "lane-1"],
          ["x-frame-options", "DENY"],
        ]),
        body: "",
        // No request-log line, either way: the scan is the record.
        lines: [],
      });
      expect(lane!.headers.some(([name]) => name === "strict-transport-security")).toBe(!base);
    }
    // Ten scans, five each way, all counted and copied to D1 alike.
    await scansSettled(profileId);
    const scans = await call("GET", `/v1/contacts/scans?profile_id=${profileId}&limit=100`, { key: t.key });
    expect(scans.body.data).toHaveLength(10);
    expect(new Set(scans.body.data.map((s: { source: string; device: string }) => `${s.source} ${s.device}`))).toEqual(
      new Set(["qr_scan mobile"]),
    );
    expect(scans.body.data.filter((s: { referrer: string | null }) => s.referrer === "conference.example")).toHaveLength(2);
  });

  it("makes a request id when the caller sent none or one that is not plain", async () => {
    const { handle } = await newCard();
    await bothWays(() => scanRequest(`/q/${handle}`));
    for (const sent of [undefined, "", "has space", "x".repeat(256)]) {
      const headers: Record<string, string> = sent === undefined ? {} : { "x-request-id": sent };
      const request = new Request(`${BASE}/q/${handle}`, { headers: { "user-agent": PHONE_UA, ...headers } });
      if (sent === undefined) request.headers.delete("x-request-id");
      const lane = await answer(() => qrLane(request, deployed, createExecutionContext()));
      expect(new Headers(lane!.headers).get("x-request-id")).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it("leaves to the app what it is not sure of", async () => {
    const { handle } = await newCard();
    const unseen = await qrLane(scanRequest(`/q/${handle}`), deployed, createExecutionContext());
    expect(unseen).toBeUndefined();
    await bothWays(() => scanRequest(`/q/${handle}`));
    const standAside = [
      new Request(`${BASE}/q/${handle}`, { method: "HEAD" }),
      new Request(`${BASE}/q/${handle}`, { method: "POST", body: "x" }),
      scanRequest(`/q/${handle}/`),
      scanRequest(`/q/${handle}/more`),
      scanRequest(`/q/${handle}?x=%FF`),
      scanRequest(`/q/${handle}%41`),
      scanRequest(`/p/${handle}`),
      scanRequest(`/q/${handle}`, { "x-cardbox-bookmark": "zz" }),
    ];
    for (const request of standAside) expect(await qrLane(request, deployed, createExecutionContext())).toBeUndefined();
    expect(await qrLane(scanRequest(`/q/${handle}`), { ...deployed, D1_SESSIONS: "on" }, createExecutionContext())).toBeUndefined();
    // Through the Worker, the app answers them: a malformed bookmark is still refused.
    const ctx = createExecutionContext();
    const refused = await worker.fetch(scanRequest(`/q/${handle}`, { "x-cardbox-bookmark": "zz" }), deployed, ctx);
    await waitOnExecutionContext(ctx);
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("counts each request once against the public rate limit, and leaves the refusal to the app's 429 page", async () => {
    const { handle } = await newCard();
    const limits: string[] = [];
    let allowed = 3;
    const limiter = { limit: async ({ key }: { key: string }) => (limits.push(key), { success: allowed-- > 0 }) } as RateLimit;
    const limited = { ...deployed, PUBLIC_RATE_LIMITER: limiter, PUBLIC_RATE_LIMIT: "3", RATE_LIMIT_PERIOD_SECONDS: "60" } as Env;
    const ip = { "cf-connecting-ip": "198.51.100.77" };
    const { app, lane } = await bothWays(() => scanRequest(`/q/${handle}`, ip), limited);
    expect([app!.status, lane!.status]).toEqual([302, 302]);
    expect([app, lane].map((a) => new Headers(a!.headers).get("ratelimit-limit"))).toEqual(["3", "3"]);
    expect(Number(new Headers(lane!.headers).get("ratelimit-remaining"))).toBe(
      Number(new Headers(app!.headers).get("ratelimit-remaining")) - 1,
    );
    // The third request is allowed, the fourth refused: by the app, with the lane's verdict.
    const ctx = createExecutionContext();
    expect((await worker.fetch(scanRequest(`/q/${handle}`, ip), limited, ctx)).status).toBe(302);
    const refused = await worker.fetch(scanRequest(`/q/${handle}`, ip), limited, ctx);
    await waitOnExecutionContext(ctx);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limits).toEqual(Array(4).fill("ip:198.51.100.77"));
  });

  it("leaves a failing rate-limit binding to the app, which answers its error page", async () => {
    const { handle } = await newCard();
    await bothWays(() => scanRequest(`/q/${handle}`));
    const broken = {
      ...deployed,
      PUBLIC_RATE_LIMITER: {
        limit: async () => {
          throw new Error("rate limiter unreachable");
        },
      } as RateLimit,
    } as Env;
    expect(await qrLane(scanRequest(`/q/${handle}`), broken, createExecutionContext())).toBeUndefined();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await worker.fetch(scanRequest(`/q/${handle}`), broken, ctx);
    await waitOnExecutionContext(ctx);
    expect([res.status, res.headers.get("content-type"), res.headers.get("x-request-id")]).toEqual([
      500,
      "text/html; charset=UTF-8",
      "lane-1",
    ]);
  });
});
