import { describe, expect, it } from "vitest";
import { BASE, call, expectError, newWorkspace } from "../helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The local binding's 10 s windows are aligned to the wall clock, so a burst that crosses a
 * window's end starts counting again halfway. Each burst starts with at least 6 s of its window left.
 */
async function freshWindow(): Promise<void> {
  const left = 10_000 - (Date.now() % 10_000);
  if (left < 6_000) await sleep(left + 50);
}

describe("rate limits (bindings at 5 per key, 3 per IP on the public pages, 12 per IP on /admin, per 10 s)", () => {
  it("a burst past the per-key limit gets 429 with Retry-After, and the next window recovers", async () => {
    const t = await newWorkspace();
    await freshWindow();
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await call("GET", "/v1/contacts", { key: t.key }));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]!.headers.get("ratelimit-limit")).toBe("5");
    expect(answers.slice(0, 5).map((a) => a.headers.get("ratelimit-remaining"))).toEqual(["4", "3", "2", "1", "0"]);
    const limited = answers[5]!;
    expectError(limited, 429, "rate_limited", /^Rate limit of 5 requests per 10 s exceeded/);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    // Another key of another workspace is not affected.
    expect((await call("GET", "/v1/contacts", { key: (await newWorkspace()).key })).status).toBe(200);
    await sleep(11_000);
    const recovered = await call("GET", "/v1/contacts", { key: t.key });
    expect(recovered.status).toBe(200);
  });

  it("the public pages are limited per client IP", async () => {
    await freshWindow();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call("GET", "/q/nobody-here", { headers: { "cf-connecting-ip": "203.0.113.9" } })).status);
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await call("GET", "/q/nobody-here", { headers: { "cf-connecting-ip": "203.0.113.9" } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toMatch(/^text\/html/);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const other = await call("GET", "/q/nobody-here", { headers: { "cf-connecting-ip": "203.0.113.10" } });
    expect(other.status).toBe(404);
  });

  it("/admin is limited per client IP, so the admin token cannot be guessed at speed", async () => {
    await freshWindow();
    const statuses = [];
    for (let i = 0; i < 13; i++) {
      statuses.push(
        (
          await call("GET", "/admin/workspaces/0190a8c4-0000-7000-8000-000000000000", {
            headers: { "cf-connecting-ip": "198.51.100.7", authorization: `Bearer guess-${i}` },
          })
        ).status,
      );
    }
    expect(statuses).toEqual([...Array(12).fill(401), 429]);
    const limited = await call("GET", "/admin/workspaces/0190a8c4-0000-7000-8000-000000000000", {
      headers: { "cf-connecting-ip": "198.51.100.7", authorization: "Bearer x" },
    });
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("signing in to the console is limited per client IP, so keys cannot be tried at speed", async () => {
    const signIn = (key: string) =>
      call("POST", "/app/session", { body: { key }, headers: { "cf-connecting-ip": "198.51.100.23", origin: BASE } });
    await freshWindow();
    const statuses = [];
    for (let i = 0; i < 13; i++) statuses.push((await signIn(`cbx_guess${i}`)).status);
    expect(statuses).toEqual([...Array(12).fill(401), 429]);
    expectError(await signIn("cbx_another"), 429, "rate_limited");
  });
});
