import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { BASE, call, expectError, keyWith, newWorkspace } from "./helpers";

const contactsOf = async (workspaceId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?").bind(workspaceId).first<{ n: number }>())!.n;

describe("Idempotency-Key", () => {
  it("replays the first answer for the same request, with Idempotent-Replayed, and writes once", async () => {
    const t = await newWorkspace();
    const send = () =>
      call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Once" }, headers: { "Idempotency-Key": "create-once-1" } });
    const first = await send();
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const replay = await send();
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("etag")).toBe(first.headers.get("etag"));
    expect(replay.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(await contactsOf(t.workspaceId)).toBe(1);
  });

  it("replays a 4xx answer too, and scopes keys per workspace and key", async () => {
    const t = await newWorkspace();
    const bad = () => call("POST", "/v1/contacts", { key: t.key, body: { last_name: "x" }, headers: { "Idempotency-Key": "k-400" } });
    const first = await bad();
    expectError(first, 400, "validation_failed", "first_name is required");
    const again = await bad();
    expect(again.status).toBe(400);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const other = await newWorkspace();
    const elsewhere = await call("POST", "/v1/contacts", {
      key: other.key,
      body: { first_name: "Mine" },
      headers: { "Idempotency-Key": "k-400" },
    });
    expect(elsewhere.status).toBe(201);
  });

  it("belongs to the API key that sent it: another key of the workspace runs its own request", async () => {
    const t = await newWorkspace();
    const other = await keyWith(t, ["contacts:read", "contacts:write"]);
    const send = (key: string, first_name: string) =>
      call("POST", "/v1/contacts", { key, body: { first_name }, headers: { "Idempotency-Key": "k-shared" } });
    expect((await send(t.key, "Mine")).status).toBe(201);
    const theirs = await send(other, "Theirs");
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.body.first_name).toBe("Theirs");
    expect(await contactsOf(t.workspaceId)).toBe(2);
  });

  it("never replays past the route's permission: a read-only key repeating a key creation gets 403, not the key", async () => {
    const t = await newWorkspace();
    const readOnly = await keyWith(t, ["contacts:read"]);
    const request = {
      body: { name: "Full", permissions: ["contacts:read", "contacts:write", "webhooks:manage", "keys:manage"] },
      headers: { "Idempotency-Key": "mint-1" },
    };
    const minted = await call("POST", "/v1/api-keys", { key: t.key, ...request });
    expect(minted.status).toBe(201);
    expectError(await call("POST", "/v1/api-keys", { key: readOnly, ...request }), 403, "forbidden", "keys:manage permission required");
    const hook = { body: { url: "https://hooks.example/x", events: ["*"] }, headers: { "Idempotency-Key": "hook-1" } };
    expect((await call("POST", "/v1/webhooks", { key: t.key, ...hook })).status).toBe(201);
    expectError(await call("POST", "/v1/webhooks", { key: readOnly, ...hook }), 403, "forbidden", "webhooks:manage permission required");
    // A refusal is not kept for the owner either: the owner's own request still runs (and replays).
    const refused = await call("POST", "/v1/sites", { key: readOnly, body: { title: "S" }, headers: { "Idempotency-Key": "site-1" } });
    expectError(refused, 403, "forbidden");
    expect((await call("POST", "/v1/sites", { key: t.key, body: { title: "S" }, headers: { "Idempotency-Key": "site-1" } })).status).toBe(
      201,
    );
  });

  it("keeps no secret: a replayed key or signing secret is null, and nothing stored holds one", async () => {
    const t = await newWorkspace();
    const mint = () =>
      call("POST", "/v1/api-keys", {
        key: t.key,
        body: { name: "CRM", permissions: ["contacts:read"] },
        headers: { "Idempotency-Key": "mint-2" },
      });
    const first = await mint();
    expect(first.body.key).toMatch(/^cbx_[A-Za-z0-9]{40}$/);
    const replay = await mint();
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual({ ...first.body, key: null });
    const hook = () =>
      call("POST", "/v1/webhooks", {
        key: t.key,
        body: { url: "https://hooks.example/y", events: ["*"] },
        headers: { "Idempotency-Key": "hook-2" },
      });
    const created = await hook();
    expect(created.body.secret).toMatch(/^whsec_/);
    expect((await hook()).body).toEqual({ ...created.body, secret: null });
    const rotate = () =>
      call("POST", `/v1/webhooks/${created.body.id}/rotate-secret`, { key: t.key, headers: { "Idempotency-Key": "rotate-1" } });
    const rotated = await rotate();
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect((await rotate()).body.secret).toBeNull();
    const stored = await env.DB.prepare("SELECT response_body AS body FROM idempotency_keys WHERE workspace_id = ?")
      .bind(t.workspaceId)
      .all<{ body: string }>();
    expect(stored.results).toHaveLength(3);
    for (const { body } of stored.results) expect(body).not.toMatch(/cbx_[A-Za-z0-9]{40}|whsec_/);
  });

  it("refuses the same key with a different body (422) or a different path (422)", async () => {
    const t = await newWorkspace();
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "A" }, headers: { "Idempotency-Key": "k-mismatch" } });
    const otherBody = await call("POST", "/v1/contacts", {
      key: t.key,
      body: { first_name: "B" },
      headers: { "Idempotency-Key": "k-mismatch" },
    });
    expectError(otherBody, 422, "idempotency_mismatch", "Idempotency-Key was already used with a different request");
    const otherPath = await call("POST", "/v1/sites", {
      key: t.key,
      body: { first_name: "A" },
      headers: { "Idempotency-Key": "k-mismatch" },
    });
    expectError(otherPath, 422, "idempotency_mismatch");
    expect(await contactsOf(t.workspaceId)).toBe(1);
  });

  it("answers 409 while the first request with the key is still in flight", async () => {
    const t = await newWorkspace();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Racer" }, headers: { "Idempotency-Key": "k-race" } }),
      ),
    );
    for (const a of answers) {
      if (a.status === 409) expectError(a, 409, "idempotency_in_flight");
      else expect(a.status).toBe(201);
    }
    expect(answers.filter((a) => a.status === 201 && !a.headers.get("idempotent-replayed"))).toHaveLength(1);
    expect(await contactsOf(t.workspaceId)).toBe(1);
    // Deterministically: a claimed key without an answer yet.
    const me = await call("GET", "/v1/me", { key: t.key });
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (workspace_id, api_key_id, key, request_hash, created_at, expires_at) VALUES (?, ?, 'k-held', ?, ?, ?)",
    )
      .bind(
        t.workspaceId,
        me.body.api_key.id,
        await hash(`POST /v1/contacts\n${JSON.stringify({ first_name: "Held" })}`),
        new Date().toISOString(),
        new Date(Date.now() + 3600_000).toISOString(),
      )
      .run();
    const held = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Held" }, headers: { "Idempotency-Key": "k-held" } });
    expectError(held, 409, "idempotency_in_flight", "A request with this Idempotency-Key is still being processed");
  });

  it("an expired key is treated as new, and over-long keys are refused", async () => {
    const t = await newWorkspace();
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Old" }, headers: { "Idempotency-Key": "k-old" } });
    await env.DB.prepare("UPDATE idempotency_keys SET expires_at = '2000-01-01T00:00:00.000Z' WHERE workspace_id = ?")
      .bind(t.workspaceId)
      .run();
    const fresh = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "New" }, headers: { "Idempotency-Key": "k-old" } });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    const long = await call("POST", "/v1/contacts", {
      key: t.key,
      body: { first_name: "L" },
      headers: { "Idempotency-Key": "x".repeat(256) },
    });
    expectError(long, 400, "validation_failed", "Idempotency-Key must be 1 to 255 characters");
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin, and not from others", async () => {
    const ok = await call("OPTIONS", "/v1/contacts", {
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key, content-type, idempotency-key",
      },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(ok.headers.get("access-control-allow-methods")).toBe("GET,HEAD,POST,PUT,PATCH,DELETE");
    expect(ok.headers.get("access-control-allow-headers")).toContain("idempotency-key");
    const mirrored = await call("OPTIONS", "/api/v1/contacts", {
      headers: { Origin: "https://crm.example", "Access-Control-Request-Method": "GET" },
    });
    expect(mirrored.headers.get("access-control-allow-origin")).toBe("https://crm.example");
    const refused = await call("OPTIONS", "/v1/contacts", {
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" },
    });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const t = await newWorkspace();
    const actual = await call("GET", "/v1/contacts", { key: t.key, headers: { Origin: "https://app.example" } });
    expect(actual.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(actual.headers.get("access-control-expose-headers")).toContain("etag");
    expect(actual.headers.get("vary")).toContain("Origin");
    // A browser client may read the challenge of a refused key.
    const unauthenticated = await call("GET", "/v1/contacts", { headers: { Origin: "https://app.example" } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(unauthenticated.headers.get("access-control-expose-headers")).toContain("www-authenticate");
    expect(unauthenticated.headers.get("www-authenticate")).toBe('Bearer realm="cardbox"');
    // Not a cross-origin request: no CORS headers, but the answer still varies by Origin.
    const plain = await call("GET", "/v1/contacts", { key: t.key });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(plain.headers.get("access-control-expose-headers")).toBeNull();
    expect(plain.headers.get("vary")).toContain("Origin");
  });
});

describe("security headers and logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("sets nosniff, no framing and HSTS over HTTPS on every answer", async () => {
    for (const path of ["/healthz", "/v1/contacts", "/p/nobody-here", "/docs"]) {
      const res = await call("GET", path);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("strict-transport-security")).toBe("max-age=63072000; includeSubDomains");
    }
  });

  it("gives a QR landing what every answer gets (request id, security headers; a log line when it fails); other methods there are 405", async () => {
    const t = await newWorkspace();
    const made = await call("POST", "/v1/profiles", { key: t.key, body: { handle: "landing-parity", name: "Ada Parity" } });
    expect(made.status).toBe(201);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const page = await call("GET", "/p/landing-parity", { headers: { "x-request-id": "card-1" } });
    const landing = await call("GET", "/q/landing-parity", { headers: { "x-request-id": "landing-1" } });
    expect(landing.status).toBe(302);
    expect(landing.headers.get("location")).toBe("/p/landing-parity?via=qr");
    expect(landing.headers.get("cache-control")).toBe("no-store");
    expect(landing.headers.get("x-request-id")).toBe("landing-1");
    // The security headers are the card page's, one for one.
    const security = (res: Response | { headers: Headers }) =>
      [...res.headers].filter(
        ([name]) =>
          ![
            "content-type",
            "content-length",
            "content-security-policy",
            "cache-control",
            "location",
            "x-request-id",
            "x-cardbox-bookmark",
          ].includes(name),
      );
    expect(security(landing)).toEqual(security(page));
    expect(security(landing).length).toBeGreaterThanOrEqual(8);
    // With D1 sessions on (as here), the landing's answer carries the bookmark too.
    expect(landing.headers.get("x-cardbox-bookmark")).toMatch(/^[0-9a-f-]+$/);
    // A scan's redirect writes no request-log line: the scan is its record.
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.request_id === "landing-1")).toEqual([]);
    // A generated request id is a UUID v4.
    expect((await call("GET", "/q/landing-parity")).headers.get("x-request-id")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const head = await call("HEAD", "/q/landing-parity");
    expect([head.status, head.headers.get("location"), head.text]).toEqual([302, "/p/landing-parity?via=qr", ""]);
    const post = await call("POST", "/q/landing-parity", { raw: "x", headers: { "content-type": "text/plain" } });
    expect([post.status, post.headers.get("allow"), post.headers.get("content-type")]).toEqual([
      405,
      "GET, HEAD",
      "text/html; charset=UTF-8",
    ]);
    const unknown = await call("GET", "/q/nobody-has-this", { headers: { "x-request-id": "landing-404" } });
    expect([unknown.status, unknown.headers.get("content-type"), unknown.headers.get("x-frame-options")]).toEqual([
      404,
      "text/html; charset=UTF-8",
      "DENY",
    ]);
    expect(unknown.text).toContain("Card not found");
    // A failed one does.
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.request_id === "landing-404")).toEqual([
      {
        level: "info",
        msg: "request",
        method: "GET",
        route: "/q/:handle",
        status: 404,
        duration_ms: expect.any(Number),
        request_id: "landing-404",
        workspace_id: null,
      },
    ]);
  });

  it("logs one JSON line per request without the key, secrets or the body", async () => {
    const t = await newWorkspace();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const res = await call("POST", "/v1/contacts", {
      key: t.key,
      body: { first_name: "Secretive", notes: "the-body-secret" },
      headers: { "x-request-id": "log-test-1" },
    });
    expect(res.status).toBe(201);
    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.request_id === "log-test-1");
    expect(entry).toEqual({
      level: "info",
      msg: "request",
      method: "POST",
      route: "/v1/contacts",
      status: 201,
      duration_ms: expect.any(Number),
      request_id: "log-test-1",
      workspace_id: t.workspaceId,
    });
    const all = lines.join("\n");
    expect(all).not.toContain(t.key);
    expect(all).not.toContain("the-body-secret");
    expect(all).not.toContain(env.ADMIN_TOKEN);
  });

  it("with REQUEST_LOG=failures (npm start), logs only answers of 400 and above", async () => {
    const t = await newWorkspace();
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const quiet = { ...env, REQUEST_LOG: "failures" };
    const send = async (path: string, requestId: string) => {
      const ctx = createExecutionContext();
      const res = await createApp().fetch(
        new Request(`${BASE}${path}`, { headers: { "x-api-key": t.key, "x-request-id": requestId } }),
        quiet,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res.status;
    };
    expect([
      await send("/v1/contacts", "quiet-ok"),
      await send("/v1/contacts/nobody", "quiet-404"),
      await send("/healthz", "quiet-health"),
    ]).toEqual([200, 404, 200]);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        level: "info",
        msg: "request",
        method: "GET",
        route: "/v1/contacts/:id",
        status: 404,
        duration_ms: expect.any(Number),
        request_id: "quiet-404",
        workspace_id: t.workspaceId,
      },
    ]);
  });
});

async function hash(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
