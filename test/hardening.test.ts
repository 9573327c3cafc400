import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { BASE, call, expectError, newWorkspace, type Tenant } from "./helpers";

/** Attacks found against earlier releases, one test each; every one is refused and changes nothing. */

let t: Tenant;

beforeAll(async () => {
  t = await newWorkspace("business");
});

const contactCount = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?").bind(t.workspaceId).first<{ n: number }>())!.n;

/** Sends raw bytes as a JSON body. */
const sendBytes = (method: string, path: string, bytes: Uint8Array) =>
  exports.default.fetch(
    new Request(`${BASE}${path}`, { method, headers: { "x-api-key": t.key, "content-type": "application/json" }, body: bytes }),
  );

describe("vCard injection", () => {
  it("refuses a line break or control character in any URL or one-line text field", async () => {
    const before = await contactCount();
    for (const [body, field, message] of [
      [
        { first_name: "A", linkedin_url: "https://x.example/a\r\nEMAIL:evil@x.example" },
        "linkedin_url",
        "must not contain spaces or control characters",
      ],
      [
        { first_name: "A", photo_url: "https://x.example/p.png\nBEGIN:VCARD" },
        "photo_url",
        "must not contain spaces or control characters",
      ],
      [{ first_name: "A\r\nTEL:+1" }, "first_name", "must not contain control characters"],
      [{ first_name: "A", company: "Acme\u0000" }, "company", "must not contain control characters"],
      [{ first_name: "A", tags: ["ok", "bad\ttag"] }, "tags.1", "must not contain control characters"],
    ] as const) {
      const res = await call("POST", "/v1/contacts", { key: t.key, body });
      expect(expectError(res, 400, "validation_failed").details).toEqual([{ field, message }]);
    }
    expect(await contactCount()).toBe(before);
    const profile = await call("POST", "/v1/profiles", {
      key: t.key,
      body: { handle: `vcf-${Date.now() % 1e6}`, name: "V", website: "https://v.example/\r\nBEGIN:VCARD" },
    });
    expect(expectError(profile, 400, "validation_failed").details).toEqual([
      { field: "website", message: "must not contain spaces or control characters" },
    ]);
  });

  it("escapes and folds every property anyway: a stored line break never starts a property of its own", async () => {
    // A row written before the validation existed, straight into the database.
    const handle = `legacy-${Date.now() % 1e6}`;
    const id = crypto.randomUUID();
    const now = new Date().toISOString();
    await env.DB.prepare(
      "INSERT INTO profiles (id, workspace_id, handle, name, website, photo_url, public, created_at, updated_at) VALUES (?, ?, ?, 'Legacy\r\nTEL:+1', ?, ?, 1, ?, ?)",
    )
      .bind(id, t.workspaceId, handle, "https://v.example/\r\nBEGIN:VCARD\r\nFN:Evil", "https://v.example/p.png\nEND:VCARD", now, now)
      .run();
    await env.DB.prepare("INSERT INTO profile_handles (handle, profile_id) VALUES (?, ?)").bind(handle, id).run();
    const res = await call("GET", `/p/${handle}.vcf`);
    expect(res.status).toBe(200);
    const lines = res.text.split("\r\n").filter(Boolean);
    expect(lines.filter((l) => l === "BEGIN:VCARD")).toHaveLength(1);
    expect(lines.filter((l) => l === "END:VCARD")).toHaveLength(1);
    expect(lines.filter((l) => /^(TEL|FN)[:;]/.test(l))).toEqual(["FN:Legacy\\nTEL:+1"]);
    expect(lines).toContain("URL:https://v.example/%0D%0ABEGIN:VCARD%0D%0AFN:Evil");
    expect(lines).toContain("PHOTO;VALUE=URI:https://v.example/p.png%0AEND:VCARD");
  });
});

describe("bounded values", () => {
  it("refuses a custom field value over 2,048 characters, and custom fields over 16 KiB in all", async () => {
    const before = await contactCount();
    const huge = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "A", custom_fields: { big: "x".repeat(900_000) } } });
    expect(expectError(huge, 400, "validation_failed").details).toEqual([
      { field: "custom_fields.big", message: "must be at most 2048 characters" },
    ]);
    const fields = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, "x".repeat(2000)]));
    const many = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "A", custom_fields: fields } });
    expect(expectError(many, 400, "validation_failed").details).toEqual([
      { field: "custom_fields", message: "must be at most 16 KiB as JSON" },
    ]);
    expect(await contactCount()).toBe(before);
  });

  it("answers 400, not 500, for a page past the reachable offsets, however large", async () => {
    for (const query of ["page=9007199254740991&limit=100", "page=101&limit=100", "page=401"]) {
      const res = await call("GET", `/v1/contacts?${query}`, { key: t.key });
      expect(expectError(res, 400, "validation_failed").details[0].field).toBe("page");
    }
    expect((await call("GET", "/v1/contacts?page=100&limit=100", { key: t.key })).status).toBe(200);
    expect((await call("GET", "/v1/sites?page=400", { key: t.key })).status).toBe(200);
  });
});

describe("encodings and names", () => {
  it("refuses a body that is not UTF-8 instead of storing U+FFFD", async () => {
    const before = await contactCount();
    const bytes = new Uint8Array([...new TextEncoder().encode('{"first_name":"Ad'), 0xff, 0xfe, ...new TextEncoder().encode('a"}')]);
    const res = await sendBytes("POST", "/v1/contacts", bytes);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request", error: "Request body is not valid UTF-8" });
    expect(await contactCount()).toBe(before);
  });

  it("refuses a URL whose percent-encoding is not UTF-8", async () => {
    expectError(await call("GET", "/v1/contacts?q=%FF%FE", { key: t.key }), 400, "bad_request", "The URL is not valid UTF-8");
    expectError(await call("GET", "/v1/contacts/%C0%AF", { key: t.key }), 400, "bad_request", "The URL is not valid UTF-8");
  });

  it("names __proto__ and constructor as the fields they are, and keeps them as custom field keys", async () => {
    // Reported under their snake_case spelling, as every field is.
    for (const [name, field] of [
      ["__proto__", "__proto__"],
      ["constructor", "constructor"],
      ["toString", "to_string"],
      ["hasOwnProperty", "has_own_property"],
    ]) {
      const raw = `{"first_name":"A","${name}":{"x":1}}`;
      const res = await sendBytes("POST", "/v1/contacts", new TextEncoder().encode(raw));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { details: unknown }).details).toEqual([{ field, message: "is not a known field" }]);
    }
    const kept = await sendBytes(
      "POST",
      "/v1/contacts",
      new TextEncoder().encode('{"first_name":"Proto","custom_fields":{"__proto__":"kept","constructor":1}}'),
    );
    expect(kept.status).toBe(201);
    const { id } = (await kept.json()) as { id: string };
    const read = await call("GET", `/v1/contacts/${id}`, { key: t.key });
    expect(read.text).toContain('"custom_fields":{"__proto__":"kept","constructor":1}');
  });
});

describe("strict query strings", () => {
  it("refuses an unknown query parameter on every route, single resources included", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Q" } });
    for (const path of [
      `/v1/contacts/${created.body.id}?foo=1`,
      "/v1/contacts/limits?x=1",
      "/v1/me?verbose=true",
      "/v1/analytics/sources?from=2026",
      `/v1/contacts/${created.body.id}/vcard?v=4`,
    ]) {
      const res = await call("GET", path, { key: t.key });
      expect(expectError(res, 400, "validation_failed").details, path).toEqual([
        { field: path.split("?")[1]!.split("=")[0], message: "is not a known field" },
      ]);
    }
    expect(
      expectError(await call("DELETE", `/v1/contacts/${created.body.id}?force=1`, { key: t.key }), 400, "validation_failed").details,
    ).toEqual([{ field: "force", message: "is not a known field" }]);
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key })).status).toBe(200);
  });
});

describe("MCP over HTTP", () => {
  it("answers GET and DELETE on /mcp with 405: a stateless server has no stream to open or session to end", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await call(method, "/mcp", { key: t.key, headers: { accept: "text/event-stream" } });
      expectError(res, 405, "method_not_allowed");
      expect(res.headers.get("allow")).toBe("POST");
    }
  });
});

describe("entity tags on every resource that sends one", () => {
  it("profiles, sites and webhooks answer an ETag on reads and writes and honour If-Match (412, nothing changed)", async () => {
    const cases = [
      { create: ["/v1/profiles", { handle: `etag-${Date.now() % 1e6}`, name: "E" }], patch: { bio: "changed" } },
      { create: ["/v1/sites", { title: "Booth" }], patch: { title: "Hall" } },
      { create: ["/v1/webhooks", { url: "https://hooks.example/etag", events: ["*"] }], patch: { description: "changed" } },
    ] as const;
    for (const { create, patch } of cases) {
      const made = await call("POST", create[0], { key: t.key, body: create[1] });
      expect(made.status).toBe(201);
      const path = `${create[0]}/${made.body.id}`;
      const read = await call("GET", path, { key: t.key });
      const etag = read.headers.get("etag");
      expect(etag, path).toMatch(/^"[0-9a-f]{16}"$/);
      expect((await call("GET", path, { key: t.key, headers: { "if-none-match": etag! } })).status).toBe(304);
      expectError(
        await call("PATCH", path, { key: t.key, body: patch, headers: { "if-match": '"0000000000000000"' } }),
        412,
        "precondition_failed",
      );
      expectError(await call("DELETE", path, { key: t.key, headers: { "if-match": '"0000000000000000"' } }), 412, "precondition_failed");
      expect((await call("GET", path, { key: t.key })).text).toBe(read.text);
      const changed = await call("PATCH", path, { key: t.key, body: patch, headers: { "if-match": etag! } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get("etag")).not.toBe(etag);
      expect((await call("GET", path, { key: t.key })).headers.get("etag")).toBe(changed.headers.get("etag"));
      expectError(await call("DELETE", path, { key: t.key, headers: { "if-match": etag! } }), 412, "precondition_failed");
      expect((await call("DELETE", path, { key: t.key, headers: { "if-match": changed.headers.get("etag")! } })).status).toBe(200);
    }
  });
});

describe("secrets at rest", () => {
  it("no table holds an API key or a webhook signing secret in plaintext", async () => {
    const made = [
      await call("POST", "/v1/api-keys", { key: t.key, body: { name: "scan", permissions: ["contacts:read"] } }),
      await call("POST", "/v1/webhooks", { key: t.key, body: { url: "https://hooks.example/rest", events: ["*"] } }),
    ];
    const rotated = await call("POST", `/v1/webhooks/${made[1]!.body.id}/rotate-secret`, { key: t.key });
    const secrets = [made[0]!.body.key, made[1]!.body.secret, rotated.body.secret, t.key];
    expect(secrets.every((s) => typeof s === "string" && s.length > 40)).toBe(true);
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'contacts_fts%'",
    ).all<{ name: string }>();
    expect(tables.results.length).toBeGreaterThan(10);
    for (const { name } of tables.results) {
      const dump = JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
      for (const secret of secrets) expect(dump.includes(secret), `${name} holds a secret`).toBe(false);
      expect(dump, name).not.toMatch(/whsec_|cbx_[A-Za-z0-9]{40}/);
    }
  });
});

describe("a deployment's settings", () => {
  const deployed = (overrides: Partial<Env>) => ({ ...env, TRUST_REQUEST_HOST: "", PUBLIC_BASE_URL: "", ...overrides }) as Env;
  const fetchWith = async (environment: Env, path: string, headers: Record<string, string> = {}) => {
    const ctx = createExecutionContext();
    const res = await createApp().fetch(new Request(`https://attacker.example${path}`, { headers }), environment, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };

  it("never prints the request's Host into links: without PUBLIC_BASE_URL the QR code is a loud 500, and /healthz says why", async () => {
    const profile = await call("POST", "/v1/profiles", { key: t.key, body: { handle: `host-${Date.now() % 1e6}`, name: "Host" } });
    const qr = await fetchWith(deployed({}), `/v1/profiles/${profile.body.id}/qr.svg`, { "x-api-key": t.key });
    expect(qr.status).toBe(500);
    expect(await qr.json()).toMatchObject({ code: "internal", error: "Server misconfigured: PUBLIC_BASE_URL is not set" });
    const health = await fetchWith(deployed({}), "/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ status: "misconfigured", problems: ["PUBLIC_BASE_URL is not set"] });
    const configured = await fetchWith(deployed({ PUBLIC_BASE_URL: "https://cards.example" }), `/p/${profile.body.handle}.vcf`);
    expect(await configured.text()).toContain(`URL:https://cards.example/p/${profile.body.handle}`);
    expect((await fetchWith(deployed({ PUBLIC_BASE_URL: "https://cards.example" }), "/healthz")).status).toBe(200);
  });

  it("refuses to keep a signing secret it cannot encrypt", async () => {
    const res = await createApp().fetch(
      new Request("https://cardbox.test/v1/webhooks", {
        method: "POST",
        headers: { "x-api-key": t.key, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://hooks.example/nokey", events: ["*"] }),
      }),
      { ...env, WEBHOOK_SECRET_KEYS: "" } as Env,
      createExecutionContext(),
    );
    expect(res.status).toBe(500);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM webhooks WHERE url = 'https://hooks.example/nokey'").first<{
      n: number;
    }>();
    expect(stored!.n).toBe(0);
  });
});
