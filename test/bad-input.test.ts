import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, newWorkspace, type Tenant } from "./helpers";

let t: Tenant;
let existing: { id: string; updated_at: string };

beforeAll(async () => {
  t = await newWorkspace("business");
  existing = (await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Kept", email: "kept@x.example" } })).body;
});

const countContacts = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?").bind(t.workspaceId).first<{ n: number }>())!.n;

const long = (n: number) => "a".repeat(n);

/** Bodies for POST /v1/contacts, each refused with 400 validation_failed naming the field. */
const INVALID_CREATES: [string, unknown, string][] = [
  ["missing first_name", { last_name: "x" }, "first_name is required"],
  ["wrong type", { first_name: 42 }, "first_name must be a string"],
  ["empty first_name", { first_name: "" }, "first_name must not be empty"],
  ["unknown field", { first_name: "a", favourite_colour: "red" }, "favourite_colour is not a known field"],
  [
    "server-owned workspace_id",
    { first_name: "a", workspace_id: "00000000-0000-4000-8000-000000000000" },
    "workspace_id is not a known field",
  ],
  ["server-owned created_at", { first_name: "a", created_at: "2020-01-01T00:00:00.000Z" }, "created_at is not a known field"],
  ["two spellings of one field", { first_name: "a", firstName: "b" }, "first_name was sent twice (as first_name and firstName)"],
  ["title and job_title", { first_name: "a", title: "x", job_title: "y" }, "job_title was sent twice (as title and job_title)"],
  ["name over 256 code points", { first_name: long(257) }, "first_name must be at most 256 characters"],
  ["notes over 10,000", { first_name: "a", notes: long(10_001) }, "notes must be at most 10000 characters"],
  ["url over 2048", { first_name: "a", photo_url: `https://x.example/${long(2040)}` }, "photo_url must be at most 2048 characters"],
  ["bad email", { first_name: "a", email: "not-an-email" }, "email must be a valid email"],
  ["javascript: url", { first_name: "a", linkedin_url: "javascript:alert(1)" }, "linkedin_url must be an http(s) URL"],
  ["ftp url", { first_name: "a", photo_url: "ftp://x.example/a.png" }, "photo_url must be an http(s) URL"],
  [
    "unknown stage",
    { first_name: "a", stage: "Prospect" },
    "stage must be one of Subscriber, Lead, Qualified, Opportunity, Customer, Evangelist, Other",
  ],
  ["unknown source", { first_name: "a", source: "fax" }, "source must be one of qr_scan, web, mcp, api, import"],
  ["51 tags", { first_name: "a", tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, "tags must have at most 50 items"],
  ["empty tag", { first_name: "a", tags: ["ok", "  "] }, "tags.1 must not be empty"],
  ["tag over 64", { first_name: "a", tags: [long(65)] }, "tags.0 must be at most 64 characters"],
  [
    "51 custom fields",
    { first_name: "a", custom_fields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) },
    "custom_fields must have at most 50 keys",
  ],
  [
    "nested custom field value",
    { first_name: "a", custom_fields: { tier: { level: 1 } } },
    "custom_fields.tier must be a string, number, boolean or null",
  ],
  [
    "custom field key over 64",
    { first_name: "a", custom_fields: { [long(65)]: 1 } },
    `custom_fields.${long(65)} must be at most 64 characters`,
  ],
  ["client id not a uuid", { id: "123", first_name: "a" }, "id must be a UUID"],
  ["body is an array", [{ first_name: "a" }], "body must be an object"],
];

describe("bad input changes nothing", () => {
  it.each(INVALID_CREATES)("create with %s → 400", async (_name, body, message) => {
    const before = await countContacts();
    const res = await call("POST", "/v1/contacts", { key: t.key, body });
    const error = expectError(res, 400, "validation_failed", message);
    expect(error.details.length).toBeGreaterThan(0);
    expect(await countContacts()).toBe(before);
  });

  it("counts length in code points: 256 emoji are accepted", async () => {
    const res = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "🦄".repeat(256) } });
    expect(res.status).toBe(201);
    expect(res.body.first_name).toBe("🦄".repeat(256));
  });

  it("malformed JSON → 400 bad_request", async () => {
    const res = await call("POST", "/v1/contacts", {
      key: t.key,
      raw: '{"first_name": "a",',
      headers: { "content-type": "application/json" },
    });
    expectError(res, 400, "bad_request", "Malformed JSON in request body");
  });

  it("a body that is not JSON → 415", async () => {
    const res = await call("POST", "/v1/contacts", {
      key: t.key,
      raw: "first_name=a",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expectError(res, 415, "unsupported_media_type", "Content-Type must be application/json");
  });

  it("a body over 1 MiB → 413", async () => {
    const before = await countContacts();
    const res = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "a", notes: long(1024 * 1024) } });
    expectError(res, 413, "payload_too_large", "Request body must be at most 1 MiB");
    expect(await countContacts()).toBe(before);
  });

  it("an invalid PATCH leaves the contact as it was", async () => {
    const res = await call("PATCH", `/v1/contacts/${existing.id}`, { key: t.key, body: { company: "New", email: "broken" } });
    expectError(res, 400, "validation_failed", "email must be a valid email");
    const now = await call("GET", `/v1/contacts/${existing.id}`, { key: t.key });
    expect(now.body.company).toBeNull();
    expect(now.body.updated_at).toBe(existing.updated_at);
  });

  it("ignores read-only fields in a PATCH body", async () => {
    const res = await call("PATCH", `/v1/contacts/${existing.id}`, {
      key: t.key,
      body: {
        source: "mcp",
        profile_id: "00000000-0000-4000-8000-000000000000",
        created_at: "2000-01-01T00:00:00.000Z",
        site: null,
        name: "Ignored Name",
        first_name: "Kept",
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: "api", profile_id: null, first_name: "Kept", name: "Kept" });
    expect(res.body.created_at).not.toBe("2000-01-01T00:00:00.000Z");
  });

  const BAD_QUERIES: [string, string][] = [
    ["limit=0", "limit must be between 1 and 100"],
    ["limit=101", "limit must be between 1 and 100"],
    ["per_page=abc", "limit must be a whole number"],
    ["page=0", "page must be at least 1"],
    ["sort=email", "sort must be one of -created_at, created_at, -updated_at, updated_at, name, -name"],
    ["created_after=yesterday", "created_after must be an RFC 3339 timestamp"],
    ["updated_after=2026-13-45T00:00:00Z", "updated_after must be an RFC 3339 timestamp"],
    ["cursor=garbage!", "cursor is not valid"],
    ["cursor=eyJmb28iOjF9", "cursor is not valid"],
    ["source=fax", "source must be one of qr_scan, web, mcp, api, import"],
    ["stage=nope", "stage must be one of Subscriber, Lead, Qualified, Opportunity, Customer, Evangelist, Other"],
    ["site_id=abc", "site_id must be a UUID"],
    ["q=%40%40%40", "q must contain a letter or digit"],
    ["tags=,,", "tags must list 1 to 50 tags"],
    ["colour=red", "colour is not a known field"],
    ["q=a&searchText=b", "q was sent twice (as q and searchText)"],
  ];

  it.each(BAD_QUERIES)("GET /v1/contacts?%s → 400", async (query, message) => {
    expectError(await call("GET", `/v1/contacts?${query}`, { key: t.key }), 400, "validation_failed", message);
  });

  it("another workspace's contact id is 404 for every verb", async () => {
    const other = await newWorkspace();
    for (const [method, path, body] of [
      ["GET", `/v1/contacts/${existing.id}`],
      ["PUT", `/v1/contacts/${existing.id}`, { first_name: "Stolen" }],
      ["PATCH", `/v1/contacts/${existing.id}`, { first_name: "Stolen" }],
      ["DELETE", `/v1/contacts/${existing.id}`],
      ["POST", `/v1/contacts/${existing.id}/tags/add`, { tags: ["x"] }],
      ["GET", `/v1/contacts/${existing.id}/vcard`],
    ] as const) {
      expectError(await call(method, path, { key: other.key, body }), 404, "not_found", "Contact not found");
    }
    expect((await call("GET", `/v1/contacts/${existing.id}`, { key: t.key })).body.first_name).toBe("Kept");
  });
});
