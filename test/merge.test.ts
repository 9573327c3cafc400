import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, expectError, ISO_MS, newWorkspace, type Tenant } from "./helpers";

let t: Tenant;

beforeEach(async () => {
  t = await newWorkspace("business");
  // Events stay in the outbox, where the tests read them; none goes out.
  vi.spyOn(env.WEBHOOK_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
});
afterEach(() => vi.restoreAllMocks());

async function create(body: Record<string, unknown>, tenant = t) {
  const res = await call("POST", "/v1/contacts", { key: tenant.key, body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const merge = (id: string, body: unknown, tenant = t) => call("POST", `/v1/contacts/${id}/merge`, { key: tenant.key, body });

const eventsOf = async (workspaceId: string) =>
  (
    await env.DB.prepare("SELECT type, payload FROM webhook_events WHERE workspace_id = ? ORDER BY created_at, id")
      .bind(workspaceId)
      .all<{ type: string; payload: string }>()
  ).results;

/** Everything a merge may change, as a client and the outbox see it. */
async function stateOf(tenant: Tenant) {
  const get = async (path: string) => (await call("GET", path, { key: tenant.key })).body;
  return {
    contacts: await get("/v1/contacts?limit=100"),
    deleted: await get("/v1/contacts/deleted"),
    tags: await get("/v1/tags"),
    duplicates: await get("/v1/contacts/duplicates"),
    events: await eventsOf(tenant.workspaceId),
  };
}

describe("POST /v1/contacts/{id}/merge", () => {
  it("fills the survivor's empty fields from the others, unites tags and custom fields, joins notes, and deletes the others", async () => {
    await call("POST", "/v1/webhooks", { key: t.key, body: { url: "https://hooks.example/merge", events: ["contact.merged"] } });
    const survivor = await create({
      first_name: "Ada",
      email: "ada@example.com",
      company: "Engines",
      stage: "Customer",
      notes: "Met at the fair.",
      tags: ["vip", "math"],
      custom_fields: { tier: "gold", score: null },
    });
    const second = await create({
      first_name: "Augusta",
      last_name: "Lovelace",
      phone: "+44 20 0000",
      job_title: "Analyst",
      notes: "Asked for a demo.",
      tags: ["math", "poetry"],
      custom_fields: { tier: "silver", score: 7, region: "EU" },
    });
    const third = await create({
      first_name: "A.",
      email: "countess@example.com",
      linkedin_url: "https://linkedin.example/ada",
      notes: "",
      tags: ["fair"],
      custom_fields: { region: "UK", vip: true },
    });

    const res = await merge(survivor.id, { from: [second.id, third.id] });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      ...survivor,
      last_name: "Lovelace",
      name: "Ada Lovelace",
      phone: "+44 20 0000",
      job_title: "Analyst",
      linkedin_url: "https://linkedin.example/ada",
      notes: "Met at the fair.\n\nAsked for a demo.",
      tags: ["vip", "math", "poetry", "fair"],
      custom_fields: { tier: "gold", score: 7, region: "EU", vip: true },
      updated_at: expect.stringMatching(ISO_MS),
    });
    expect(res.headers.get("etag")).toMatch(/^"/);
    expect((await call("GET", `/v1/contacts/${survivor.id}`, { key: t.key })).body).toEqual(res.body);

    for (const merged of [second, third]) {
      const gone = expectError(
        await call("GET", `/v1/contacts/${merged.id}`, { key: t.key }),
        404,
        "not_found",
        "Contact not found: it was merged into another",
      );
      expect(gone.merged_into).toBe(survivor.id);
    }
    const deleted = await call("GET", "/v1/contacts/deleted", { key: t.key });
    expect(deleted.body.data).toEqual(
      expect.arrayContaining(
        [second.id, third.id].map((id) => ({ id, deleted_at: expect.stringMatching(ISO_MS), merged_into: survivor.id })),
      ),
    );
    expect(deleted.body.pagination.total).toBe(2);
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body.used).toBe(1);
    // The indexes follow: tags, custom fields and search find the survivor alone.
    expect((await call("GET", "/v1/tags", { key: t.key })).body.data).toEqual(
      ["fair", "math", "poetry", "vip"].map((tag) => ({ tag, count: 1 })),
    );
    const ids = async (query: string) =>
      (await call("GET", `/v1/contacts?${query}`, { key: t.key })).body.data.map((c: { id: string }) => c.id);
    expect(await ids("custom_fields.region=EU")).toEqual([survivor.id]);
    expect(await ids("custom_fields.region=UK")).toEqual([]);
    expect(await ids("q=countess")).toEqual([]);
    expect(await ids("phone=%2B44200000")).toEqual([survivor.id]);

    // One event for the merge: the merged contacts' deletion and the survivor's change raise none of their own.
    const events = (await eventsOf(t.workspaceId)).filter((e) => e.type !== "contact.created");
    expect(events.map((e) => e.type)).toEqual(["contact.merged"]);
    const event = JSON.parse(events[0]!.payload);
    expect(event).toEqual({
      type: "contact.merged",
      timestamp: expect.stringMatching(ISO_MS),
      data: { contact: res.body, merged_ids: [second.id, third.id] },
    });
  });

  it("frees the merged contacts' email and phone for the survivor to take", async () => {
    const survivor = await create({ first_name: "Bo" });
    const other = await create({ first_name: "Bo", email: "bo@example.com", phone: "555 0100" });
    const res = await merge(survivor.id, { from: [other.id] });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ email: "bo@example.com", phone: "555 0100" });
    expect((await call("GET", "/v1/contacts?email=BO@example.com", { key: t.key })).body.data.map((c: { id: string }) => c.id)).toEqual([
      survivor.id,
    ]);
  });

  it("a merged contact's 404 follows a later merge too, and a plain delete's 404 names nothing", async () => {
    const [a, b, c] = [await create({ first_name: "A" }), await create({ first_name: "B" }), await create({ first_name: "C" })];
    expect((await merge(b.id, { from: [a.id] })).status).toBe(200);
    expect((await merge(c.id, { from: [b.id] })).status).toBe(200);
    expect((await call("GET", `/v1/contacts/${a.id}`, { key: t.key })).body.merged_into).toBe(b.id);
    expect((await call("GET", `/v1/contacts/${b.id}`, { key: t.key })).body.merged_into).toBe(c.id);
    expect((await call("DELETE", `/v1/contacts/${c.id}`, { key: t.key })).status).toBe(200);
    const gone = expectError(await call("GET", `/v1/contacts/${c.id}`, { key: t.key }), 404, "not_found", "Contact not found");
    expect(gone.merged_into).toBeUndefined();
  });

  it("the merge guard aborts a batch whose contacts changed since they were read, and lets it through otherwise", async () => {
    const dup = await create({ first_name: "Dup" });
    const guarded = (unchanged: number) => [
      env.DB.prepare("INSERT INTO contact_merge_guard (unchanged) VALUES (?)").bind(unchanged),
      env.DB.prepare("DELETE FROM contacts WHERE id = ?").bind(dup.id),
    ];
    await expect(env.DB.batch(guarded(0))).rejects.toThrow(/contact_merge_conflict/);
    expect((await call("GET", `/v1/contacts/${dup.id}`, { key: t.key })).status).toBe(200);
    await env.DB.batch(guarded(1));
    expect((await call("GET", `/v1/contacts/${dup.id}`, { key: t.key })).status).toBe(404);
  });

  it("starts over when a contact changes between its read and the merge's write, so the change is merged, not lost", async () => {
    const survivor = await create({ first_name: "Ada" });
    const dup = await create({ first_name: "Ada", job_title: "Old" });
    let interfered = 0;
    const open = env.DB.withSession.bind(env.DB);
    vi.spyOn(env.DB, "withSession").mockImplementation((constraint) => {
      const session = open(constraint);
      return {
        getBookmark: () => session.getBookmark(),
        prepare: (query: string) => session.prepare(query),
        batch: async (statements: D1PreparedStatement[]) => {
          // The merge's write is the only batch of five statements or more; change the duplicate just before the first one.
          if (statements.length >= 5 && interfered++ === 0)
            await env.DB.prepare("UPDATE contacts SET job_title = 'New', version = version + 1 WHERE id = ?").bind(dup.id).run();
          return session.batch(statements);
        },
      } as D1DatabaseSession;
    });
    const res = await merge(survivor.id, { from: [dup.id] });
    expect(res.status, res.text).toBe(200);
    expect(interfered).toBe(2);
    expect(res.body.job_title).toBe("New");
  });

  describe("bad requests change nothing", () => {
    /** A case: how to build the request from the contacts at hand, and the answer expected. */
    type Case = [
      string,
      (ids: { survivor: string; dup: string; stranger: string }) => { id: string; body: unknown; raw?: string },
      number,
      string,
      string | RegExp,
      unknown?,
    ];
    const UNKNOWN = "00000000-0000-4000-8000-000000000000";
    const CASES: Case[] = [
      [
        "into itself",
        (i) => ({ id: i.survivor, body: { from: [i.survivor] } }),
        400,
        "validation_failed",
        "from must not contain the contact merged into (the id in the path)",
      ],
      [
        "into itself, other spelling",
        (i) => ({ id: i.survivor, body: { from: [i.survivor.toUpperCase()] } }),
        400,
        "validation_failed",
        /must not contain the contact merged into/,
      ],
      [
        "one contact twice",
        (i) => ({ id: i.survivor, body: { from: [i.dup, i.dup] } }),
        400,
        "validation_failed",
        "from must not name a contact twice",
      ],
      ["an empty list", (i) => ({ id: i.survivor, body: { from: [] } }), 400, "validation_failed", /^from /],
      [
        "eleven contacts",
        (i) => ({ id: i.survivor, body: { from: Array.from({ length: 11 }, () => i.dup) } }),
        400,
        "validation_failed",
        /^from /,
      ],
      ["no list", (i) => ({ id: i.survivor, body: {} }), 400, "validation_failed", /^from /],
      ["an id that is no UUID", (i) => ({ id: i.survivor, body: { from: ["nope"] } }), 400, "validation_failed", "from.0 must be a UUID"],
      ["an unknown field", (i) => ({ id: i.survivor, body: { from: [i.dup], into: i.survivor } }), 400, "validation_failed", /into/],
      ["not JSON", (i) => ({ id: i.survivor, body: undefined, raw: "{from:" }), 400, "bad_request", /JSON/],
      [
        "an unknown contact to merge",
        (i) => ({ id: i.survivor, body: { from: [i.dup, UNKNOWN] } }),
        404,
        "not_found",
        "Contact to merge not found",
        [{ field: "from.1", message: "is not a contact of this workspace" }],
      ],
      [
        "another workspace's contact to merge",
        (i) => ({ id: i.survivor, body: { from: [i.stranger] } }),
        404,
        "not_found",
        "Contact to merge not found",
        [{ field: "from.0", message: "is not a contact of this workspace" }],
      ],
      ["into an unknown contact", (i) => ({ id: UNKNOWN, body: { from: [i.dup] } }), 404, "not_found", "Contact not found"],
      ["into another workspace's contact", (i) => ({ id: i.stranger, body: { from: [i.dup] } }), 404, "not_found", "Contact not found"],
    ];

    it.each(CASES)("%s", async (_name, build, status, code, error, details) => {
      const stranger = await newWorkspace();
      const ids = {
        survivor: (await create({ first_name: "Ada", company: "Engines", tags: ["a"] })).id,
        dup: (await create({ first_name: "Ada", company: "engines ", tags: ["b"] })).id,
        stranger: (await create({ first_name: "Ada", company: "Engines" }, stranger)).id,
      };
      await call("POST", "/v1/webhooks", { key: t.key, body: { url: "https://hooks.example/merge", events: ["*"] } });
      const before = await stateOf(t);
      const strangerBefore = await stateOf(stranger);
      const { id, body, raw } = build(ids);
      const res = await call("POST", `/v1/contacts/${id}/merge`, {
        key: t.key,
        body,
        raw,
        headers: raw ? { "content-type": "application/json" } : {},
      });
      const answer = expectError(res, status, code, error);
      if (details) expect(answer.details).toEqual(details);
      expect(await stateOf(t)).toEqual(before);
      expect(await stateOf(stranger)).toEqual(strangerBefore);
    });

    it.each([
      ["tags", { tags: Array.from({ length: 30 }, (_, i) => `a${i}`) }, { tags: Array.from({ length: 30 }, (_, i) => `b${i}`) }],
      ["notes", { notes: "x".repeat(6000) }, { notes: "y".repeat(6000) }],
      [
        "custom_fields",
        { custom_fields: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i}`, 1])) },
        { custom_fields: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`b${i}`, 1])) },
      ],
    ])("a merge whose %s would break a contact's limits is 400 naming the field", async (field, one, other) => {
      const survivor = await create({ first_name: "S", ...one });
      const dup = await create({ first_name: "D", ...other });
      const before = await stateOf(t);
      const res = await merge(survivor.id, { from: [dup.id] });
      const body = expectError(res, 400, "validation_failed", new RegExp(`^${field} would be invalid once merged: `));
      expect(body.details).toEqual([{ field, message: expect.stringMatching(/^would be invalid once merged: .*50|10000/) }]);
      expect(await stateOf(t)).toEqual(before);
    });
  });
});

describe("GET /v1/contacts/duplicates", () => {
  it("lists groups of two or more contacts with the same name and company, any case, oldest contacts first", async () => {
    const ada1 = await create({ first_name: "Ada", last_name: "Lovelace", company: "Engines" });
    await create({ first_name: "Ada", last_name: "Lovelace", company: "Other" });
    const ada2 = await create({ first_name: "ADA", last_name: "lovelace", company: "  engines " });
    const bob1 = await create({ first_name: "Bob", company: "Acme" });
    const bob2 = await create({ first_name: "bob", company: "ACME" });
    const bob3 = await create({ first_name: "Bob", company: "acme" });
    await create({ first_name: "Cy" });
    await create({ first_name: "Cy" });
    const stranger = await newWorkspace();
    await create({ first_name: "Bob", company: "Acme" }, stranger);
    await create({ first_name: "Bob", company: "Acme" }, stranger);

    const res = await call("GET", "/v1/contacts/duplicates", { key: t.key });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      data: [
        { reason: "name_company", count: 2, contacts: [ada1, ada2] },
        { reason: "name_company", count: 3, contacts: [bob1, bob2, bob3] },
      ],
      pagination: { page: 1, limit: 25, total: 2, total_exact: true, next_cursor: null },
    });

    // Merged, a group is gone; renamed, a contact leaves its group.
    expect((await merge(ada1.id, { from: [ada2.id] })).status).toBe(200);
    expect((await call("PATCH", `/v1/contacts/${bob3.id}`, { key: t.key, body: { company: "Acme Ltd" } })).status).toBe(200);
    const after = await call("GET", "/v1/contacts/duplicates", { key: t.key });
    expect(after.body).toEqual({
      data: [{ reason: "name_company", count: 2, contacts: [bob1, bob2] }],
      pagination: { page: 1, limit: 25, total: 1, total_exact: true, next_cursor: null },
    });
  });

  it("pages through groups with a cursor, every group once", async () => {
    const batch = Array.from({ length: 14 }, (_, i) => ({ first_name: `P${String(Math.floor(i / 2)).padStart(2, "0")}`, company: "Co" }));
    expect((await call("POST", "/v1/contacts/batch", { key: t.key, body: { contacts: batch } })).status).toBe(207);
    const names: string[] = [];
    let query = "limit=3";
    for (let page = 1; page <= 3; page++) {
      const res = await call("GET", `/v1/contacts/duplicates?${query}`, { key: t.key });
      expect(res.status, res.text).toBe(200);
      expect(res.body.pagination).toMatchObject({ page, limit: 3, total: 7 });
      names.push(...res.body.data.map((g: { contacts: { first_name: string }[] }) => g.contacts[0]!.first_name));
      query = `cursor=${encodeURIComponent(res.body.pagination.next_cursor ?? "")}&limit=3`;
      if (page === 3) expect(res.body.pagination.next_cursor).toBeNull();
    }
    expect(names).toEqual(["P00", "P01", "P02", "P03", "P04", "P05", "P06"]);
  });

  it.each([
    ["limit=0", "limit"],
    ["reason=email", "reason"],
  ])("?%s is 400 naming the parameter", async (query, field) => {
    const res = await call("GET", `/v1/contacts/duplicates?${query}`, { key: t.key });
    const body = expectError(res, 400, "validation_failed");
    expect(body.details.map((d: { field: string }) => d.field)).toEqual([field]);
  });
});
