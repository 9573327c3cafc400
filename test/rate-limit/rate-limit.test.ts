import { describe, expect, it } from "vitest";
import { call, expectError, newWorkspace } from "../helpers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("rate limits (bindings at 5 per key and 3 per IP per 10 s)", () => {
  it("a burst past the per-key limit gets 429 with Retry-After, and the next window recovers", async () => {
    const t = await newWorkspace();
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
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call("GET", "/q/nobody-here", { headers: { "cf-connecting-ip": "203.0.113.9" } })).status);
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    const other = await call("GET", "/q/nobody-here", { headers: { "cf-connecting-ip": "203.0.113.10" } });
    expect(other.status).toBe(404);
  });
});
