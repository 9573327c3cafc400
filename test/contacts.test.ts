import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { call, expectError, ISO_MS, newWorkspace, type Tenant, UUID } from "./helpers";

let t: Tenant;
beforeEach(async () => {
  t = await newWorkspace("business");
});

const SARAH = {
  first_name: "Sarah",
  last_name: "Connor",
  email: "sarah@futuretech.example",
  job_title: "Director of Sales",
  company: "Future Tech Inc",
  linkedin_url: "https://linkedin.com/in/sarahconnor",
};

const ADA = {
  name: "Ada Lovelace",
  phoneNumber: "+44 20 7946 0000",
  stage: "Subscriber",
  notes: "met at booth",
  customFields: { tier: "gold" },
  tags: ["vip"],
};

function contactDefaults(overrides: Record<string, unknown>) {
  return {
    id: expect.stringMatching(UUID),
    first_name: null,
    last_name: null,
    name: null,
    email: null,
    phone: null,
    job_title: null,
    company: null,
    location: null,
    linkedin_url: null,
    photo_url: null,
    stage: "Lead",
    notes: null,
    custom_fields: {},
    tags: [],
    site: null,
    source: "api",
    profile_id: null,
    captured_by_profile_id: null,
    consent_at: null,
    created_at: expect.stringMatching(ISO_MS),
    updated_at: expect.stringMatching(ISO_MS),
    saved_at: expect.stringMatching(ISO_MS),
    ...overrides,
  };
}

describe("create", () => {
  it("creates the prospecting seed's example and answers 201 with every field", async () => {
    const res = await call("POST", "/v1/contacts", { key: t.key, body: SARAH });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(contactDefaults({ ...SARAH, name: "Sarah Connor" }));
    expect(res.body.saved_at).toBe(res.body.created_at);
    expect(res.body.updated_at).toBe(res.body.created_at);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{16}"$/);
    const stored = await env.DB.prepare("SELECT workspace_id, email_key FROM contacts WHERE id = ?").bind(res.body.id).first();
    expect(stored).toEqual({ workspace_id: t.workspaceId, email_key: "sarah@futuretech.example" });
  });

  it("takes the CRM seed's shape: name split, phoneNumber, stage, customFields, tags", async () => {
    const res = await call("POST", "/v1/contacts", { key: t.key, body: ADA });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(
      contactDefaults({
        first_name: "Ada",
        last_name: "Lovelace",
        name: "Ada Lovelace",
        phone: "+44 20 7946 0000",
        stage: "Subscriber",
        notes: "met at booth",
        custom_fields: { tier: "gold" },
        tags: ["vip"],
      }),
    );
  });

  it("splits a name at the last space and accepts title, jobTitle and stage in any case", async () => {
    const res = await call("POST", "/v1/contacts", {
      key: t.key,
      body: { name: "Mary Ann Evans", title: "Novelist", stage: "cUsToMeR", source: "import" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      first_name: "Mary Ann",
      last_name: "Evans",
      name: "Mary Ann Evans",
      job_title: "Novelist",
      stage: "Customer",
      source: "import",
    });
  });

  it("keeps a client-chosen id and refuses it a second time with 409", async () => {
    const id = "7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6";
    const first = await call("POST", "/v1/contacts", { key: t.key, body: { id, first_name: "Grace" } });
    expect(first.status).toBe(201);
    expect(first.body.id).toBe(id);
    const again = await call("POST", "/v1/contacts", { key: t.key, body: { id, first_name: "Other" } });
    expect(expectError(again, 409, "duplicate_contact").existing_id).toBe(id);
  });

  it("refuses a second contact with the same email (any case) or phone with 409 and existing_id", async () => {
    const first = await call("POST", "/v1/contacts", {
      key: t.key,
      body: { first_name: "A", email: "Dup@Example.com", phone: "+1 (555) 0100" },
    });
    const byEmail = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "B", email: "dup@example.COM" } });
    expect(expectError(byEmail, 409, "duplicate_contact", "A contact with this email already exists")).toMatchObject({
      existing_id: first.body.id,
    });
    const byPhone = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "C", phone: "+1-555-0100" } });
    expect(expectError(byPhone, 409, "duplicate_contact", "A contact with this phone already exists")).toMatchObject({
      existing_id: first.body.id,
    });
    const other = await newWorkspace();
    const elsewhere = await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "D", email: "dup@example.com" } });
    expect(elsewhere.status).toBe(201);
  });

  it("sets the site by site_id, siteId, locationId or a location object, and refuses an unknown site", async () => {
    const site = await call("POST", "/v1/sites", { key: t.key, body: { title: "Web Summit booth" } });
    for (const [i, body] of [
      { site_id: site.body.id },
      { siteId: site.body.id },
      { locationId: site.body.id },
      { location: { id: site.body.id, title: "x" } },
    ].entries()) {
      const res = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: `S${i}`, ...body } });
      expect(res.status).toBe(201);
      expect(res.body.site).toEqual({ id: site.body.id, title: "Web Summit booth" });
      expect(res.body.location).toBeNull();
    }
    const unknown = await call("POST", "/v1/contacts", {
      key: t.key,
      body: { first_name: "X", site_id: "00000000-0000-4000-8000-000000000000" },
    });
    expectError(unknown, 400, "validation_failed", "site_id does not name a site of this workspace");
  });

  it("stores SQL and Unicode text byte for byte", async () => {
    const body = {
      first_name: "Robert'); DROP TABLE contacts;--",
      last_name: "Zoë 🦄 李",
      notes: 'line one\nline two \t \\ "quoted"',
      custom_fields: { ключ: "значение", n: 1.5, b: false, z: null },
    };
    const res = await call("POST", "/v1/contacts", { key: t.key, body });
    expect(res.status).toBe(201);
    const got = await call("GET", `/v1/contacts/${res.body.id}`, { key: t.key });
    expect(got.body).toMatchObject({ ...body, name: `${body.first_name} ${body.last_name}` });
    const search = await call("GET", "/v1/contacts?q=zoe", { key: t.key });
    expect(search.body.data.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
  });
});

describe("read", () => {
  it("gets one contact with a strong ETag and answers 304 to If-None-Match", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: SARAH });
    const res = await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
    const etag = res.headers.get("etag")!;
    expect(etag).toBe(created.headers.get("etag"));
    const again = await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key, headers: { "If-None-Match": `W/${etag}` } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
  });

  it("answers 404 Contact not found for an unknown id or one that is not a UUID", async () => {
    expectError(
      await call("GET", "/v1/contacts/7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6", { key: t.key }),
      404,
      "not_found",
      "Contact not found",
    );
    expectError(await call("GET", "/v1/contacts/not-a-uuid", { key: t.key }), 404, "not_found", "Contact not found");
  });

  it("lists with the prospecting seed's envelope", async () => {
    const a = await call("POST", "/v1/contacts", { key: t.key, body: SARAH });
    const b = await call("POST", "/v1/contacts", { key: t.key, body: ADA });
    const res = await call("GET", "/v1/contacts?page=1&limit=25", { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [b.body, a.body],
      pagination: { page: 1, limit: 25, total: 2, total_exact: true, next_cursor: null },
    });
  });

  it("exports a vCard 3.0", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { ...SARAH, phone: "+1-555-0100", notes: "a; b, c" } });
    const res = await call("GET", `/v1/contacts/${created.body.id}/vcard`, { key: t.key });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/vcard; charset=utf-8");
    expect(res.headers.get("content-disposition")).toContain('filename="Sarah Connor.vcf"');
    expect(res.text.split("\r\n")).toEqual([
      "BEGIN:VCARD",
      "VERSION:3.0",
      "N:Connor;Sarah;;;",
      "FN:Sarah Connor",
      "ORG:Future Tech Inc",
      "TITLE:Director of Sales",
      "EMAIL;TYPE=INTERNET:sarah@futuretech.example",
      "TEL;TYPE=VOICE:+1-555-0100",
      "URL:https://linkedin.com/in/sarahconnor",
      "NOTE:a; b\\, c",
      `UID:urn:uuid:${created.body.id}`,
      `REV:${created.body.updated_at}`,
      "END:VCARD",
      "",
    ]);
  });
});

describe("update", () => {
  it("PUT replaces every writable field and keeps source, profile_id, created_at and saved_at", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { ...ADA, source: "import", company: "Analytical" } });
    const res = await call("PUT", `/v1/contacts/${created.body.id}`, {
      key: t.key,
      body: { first_name: "Ada", last_name: "King", tags: ["Math"] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      contactDefaults({
        id: created.body.id,
        first_name: "Ada",
        last_name: "King",
        name: "Ada King",
        tags: ["math"],
        source: "import",
        created_at: created.body.created_at,
        saved_at: created.body.saved_at,
      }),
    );
    expect(res.body.updated_at > created.body.updated_at).toBe(true);
    expect(res.headers.get("etag")).not.toBe(created.headers.get("etag"));
    const tagRows = await env.DB.prepare("SELECT tag FROM contact_tags WHERE contact_id = ?").bind(created.body.id).all();
    expect(tagRows.results).toEqual([{ tag: "math" }]);
  });

  it("PUT takes a GET answer back unchanged (round trip) and refuses a different body id", async () => {
    const site = await call("POST", "/v1/sites", { key: t.key, body: { title: "Booth" } });
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { ...SARAH, site_id: site.body.id, tags: ["a"] } });
    const got = await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key });
    const res = await call("PUT", `/v1/contacts/${created.body.id}`, { key: t.key, body: { ...got.body, company: "Cyberdyne" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...got.body, company: "Cyberdyne", updated_at: res.body.updated_at });
    const wrongId = await call("PUT", `/v1/contacts/${created.body.id}`, {
      key: t.key,
      body: { ...got.body, id: "7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6" },
    });
    expectError(wrongId, 400, "validation_failed", "id must equal the id in the path");
  });

  it("PUT never creates", async () => {
    const res = await call("PUT", "/v1/contacts/7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6", { key: t.key, body: { first_name: "Nobody" } });
    expectError(res, 404, "not_found", "Contact not found");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?").bind(t.workspaceId).first())!.n).toBe(0);
  });

  it("PATCH changes only the given fields, and null clears one", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { ...SARAH, notes: "n" } });
    const res = await call("PATCH", `/v1/contacts/${created.body.id}`, { key: t.key, body: { jobTitle: "VP Sales", notes: null } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...created.body, job_title: "VP Sales", notes: null, updated_at: res.body.updated_at });
    const found = await call("GET", "/v1/contacts?q=vp", { key: t.key });
    expect(found.body.data).toHaveLength(1);
  });

  it("PATCH to another contact's email answers 409 and changes nothing", async () => {
    const a = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "A", email: "a@x.example" } });
    const b = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "B", email: "b@x.example" } });
    const res = await call("PATCH", `/v1/contacts/${b.body.id}`, { key: t.key, body: { email: "A@x.example", company: "New" } });
    expect(expectError(res, 409, "duplicate_contact").existing_id).toBe(a.body.id);
    expect((await call("GET", `/v1/contacts/${b.body.id}`, { key: t.key })).body).toEqual(b.body);
  });

  it("honours If-Match: 412 when stale, success when current", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: SARAH });
    const etag = created.headers.get("etag")!;
    const ok = await call("PATCH", `/v1/contacts/${created.body.id}`, {
      key: t.key,
      body: { company: "One" },
      headers: { "If-Match": etag },
    });
    expect(ok.status).toBe(200);
    const stale = await call("PATCH", `/v1/contacts/${created.body.id}`, {
      key: t.key,
      body: { company: "Two" },
      headers: { "If-Match": etag },
    });
    expectError(stale, 412, "precondition_failed");
    const staleDelete = await call("DELETE", `/v1/contacts/${created.body.id}`, { key: t.key, headers: { "If-Match": etag } });
    expectError(staleDelete, 412, "precondition_failed");
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key })).body.company).toBe("One");
  });

  it("adds and removes tags, normalised and in insertion order", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: ADA });
    const added = await call("POST", `/v1/contacts/${created.body.id}/tags/add`, {
      key: t.key,
      body: { tags: [" Pioneer ", "VIP", "math"] },
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ id: created.body.id, tags: ["vip", "pioneer", "math"] });
    const removed = await call("POST", `/v1/contacts/${created.body.id}/tags/remove`, { key: t.key, body: { tags: ["VIP", "absent"] } });
    expect(removed.body).toEqual({ id: created.body.id, tags: ["pioneer", "math"] });
    const tags = await call("GET", "/v1/tags", { key: t.key });
    expect(tags.body).toEqual({
      data: [
        { tag: "math", count: 1 },
        { tag: "pioneer", count: 1 },
      ],
      pagination: { page: 1, limit: 25, total: 2, total_exact: true, next_cursor: null },
    });
  });
});

describe("upsert", () => {
  it("creates (201) when nothing matches, then updates (200) only the given fields on an email match", async () => {
    const created = await call("POST", "/v1/contacts/upsert", {
      key: t.key,
      body: { first_name: "Jane", email: "jane@acme.example", company: "Acme" },
    });
    expect(created.status).toBe(201);
    const updated = await call("POST", "/v1/contacts/upsert", { key: t.key, body: { email: "JANE@acme.example", job_title: "CTO" } });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ ...created.body, email: "JANE@acme.example", job_title: "CTO", updated_at: updated.body.updated_at });
  });

  it("matches on phone when no email matches, and refuses an email and a phone matching two contacts", async () => {
    const a = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "A", email: "a@x.example" } });
    const b = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "B", phone: "+1 555 0199" } });
    const byPhone = await call("POST", "/v1/contacts/upsert", { key: t.key, body: { phone: "+15550199", company: "Phone Co" } });
    expect(byPhone.status).toBe(200);
    expect(byPhone.body).toMatchObject({ id: b.body.id, company: "Phone Co" });
    const split = await call("POST", "/v1/contacts/upsert", { key: t.key, body: { email: "a@x.example", phone: "+1 555 0199" } });
    expect(expectError(split, 409, "duplicate_contact").existing_id).toBe(a.body.id);
  });

  it("needs an email or a phone", async () => {
    expectError(
      await call("POST", "/v1/contacts/upsert", { key: t.key, body: { first_name: "A" } }),
      400,
      "validation_failed",
      "email or phone is required to match on",
    );
  });
});

describe("batch", () => {
  it("answers 207 with one result per item, in order, each as it would be alone", async () => {
    const res = await call("POST", "/v1/contacts/batch", {
      key: t.key,
      body: {
        contacts: [
          { first_name: "One", email: "one@x.example" },
          { last_name: "No first name" },
          { first_name: "Dup", email: "ONE@x.example" },
          { name: "Two People", tags: ["b"] },
        ],
      },
    });
    expect(res.status).toBe(207);
    const [one, invalid, dup, two] = res.body.results;
    expect(one).toEqual({ status: 201, contact: contactDefaults({ first_name: "One", name: "One", email: "one@x.example" }) });
    expect(invalid).toEqual({
      status: 400,
      error: {
        error: "first_name is required",
        code: "validation_failed",
        details: [{ field: "first_name", message: "is required" }],
        request_id: res.headers.get("x-request-id"),
      },
    });
    expect(dup.status).toBe(409);
    expect(dup.error).toMatchObject({ code: "duplicate_contact", existing_id: one.contact.id });
    expect(two).toMatchObject({ status: 201, contact: { first_name: "Two", last_name: "People", tags: ["b"] } });
    expect(res.body.results).toHaveLength(4);
    const list = await call("GET", "/v1/contacts", { key: t.key });
    expect(list.body.pagination.total).toBe(2);
  });

  it("refuses an empty batch or one over 100 items", async () => {
    expectError(
      await call("POST", "/v1/contacts/batch", { key: t.key, body: { contacts: [] } }),
      400,
      "validation_failed",
      "contacts must have at least 1 items",
    );
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ first_name: `N${i}` }));
    expectError(
      await call("POST", "/v1/contacts/batch", { key: t.key, body: { contacts: tooMany } }),
      400,
      "validation_failed",
      "contacts must have at most 100 items",
    );
  });
});

describe("delete", () => {
  it("answers {success, id}, frees the plan slot, leaves a tombstone and removes the contact from search", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: ADA });
    const before = await call("GET", "/v1/contacts/limits", { key: t.key });
    const res = await call("DELETE", `/v1/contacts/${created.body.id}`, { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, id: created.body.id });
    expectError(await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key }), 404, "not_found", "Contact not found");
    const after = await call("GET", "/v1/contacts/limits", { key: t.key });
    expect(after.body.used).toBe(before.body.used - 1);
    expect((await call("GET", "/v1/contacts?q=ada", { key: t.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/tags", { key: t.key })).body.data).toEqual([]);
    const deleted = await call("GET", "/v1/contacts/deleted", { key: t.key });
    expect(deleted.body).toEqual({
      data: [{ id: created.body.id, deleted_at: expect.stringMatching(ISO_MS), merged_into: null }],
      pagination: { page: 1, limit: 25, total: 1, total_exact: true, next_cursor: null },
    });
    const since = await call("GET", `/v1/contacts/deleted?since=${encodeURIComponent(deleted.body.data[0].deleted_at)}`, { key: t.key });
    expect(since.body.data).toEqual([]);
    expectError(await call("DELETE", `/v1/contacts/${created.body.id}`, { key: t.key }), 404, "not_found", "Contact not found");
  });
});

describe("limits", () => {
  it("reports plan, limit, used and remaining; unlimited plans answer null", async () => {
    const free = await newWorkspace("free");
    await call("POST", "/v1/contacts", { key: free.key, body: SARAH });
    expect((await call("GET", "/v1/contacts/limits", { key: free.key })).body).toEqual({
      plan: "free",
      limit: 100,
      used: 1,
      remaining: 99,
    });
    expect((await call("GET", "/api/v1/contacts/limits", { key: t.key })).body).toEqual({
      plan: "business",
      limit: null,
      used: 0,
      remaining: null,
    });
  });
});

describe("custom fields on an update", () => {
  it("an upsert that matches, and a PUT, set custom fields (keys like __proto__ kept)", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "A", email: "a@x.example" } });
    const upserted = await call("POST", "/v1/contacts/upsert", {
      key: t.key,
      raw: '{"first_name":"A","email":"a@x.example","custom_fields":{"tier":"gold","__proto__":"kept"}}',
      headers: { "content-type": "application/json" },
    });
    expect(upserted.status, upserted.text).toBe(200);
    expect(upserted.body.id).toBe(created.body.id);
    expect(JSON.stringify(upserted.body.custom_fields)).toBe('{"tier":"gold","__proto__":"kept"}');
    const put = await call("PUT", `/v1/contacts/${created.body.id}`, {
      key: t.key,
      body: { first_name: "A", custom_fields: { tier: "silver" } },
    });
    expect(put.status, put.text).toBe(200);
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key })).body.custom_fields).toEqual({ tier: "silver" });
  });
});
