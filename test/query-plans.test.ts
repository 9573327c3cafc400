import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { builtListStatements, type ContactFilters, firstStep, isSelective, planAfterCount } from "../src/contacts/contacts.search";
import { contacts } from "../src/contacts/contacts.table";
import { groupContacts, groupsPage } from "../src/contacts/contacts-merge.data";
import { Db, slot } from "../src/lib/db/runner";
import type { PageRequest } from "../src/lib/pagination";
import { call, newWorkspace } from "./helpers";

const WS = "01a20000-0000-7000-8000-000000000000";
const SITE = "01a20000-0000-7000-8000-000000000001";
const db = new Db(env.DB);

const first: PageRequest = { scope: "x", limit: 25, page: 1, offset: 0 };
const deep: PageRequest = {
  scope: "x",
  limit: 25,
  page: 1000,
  offset: 0,
  after: ["2026-01-01T00:00:00.000Z", "01a20000-0000-7000-8000-0000000000ff"],
};

const gold = { key: "tier", op: "eq", text: "gold", number: null } as const;

/** Every list/search/filter shape the API can produce. */
const SHAPES: [string, ContactFilters, PageRequest][] = [
  ["first page", {}, first],
  ["deep cursor page", {}, deep],
  ["sort name, deep", { sort: "name" }, { ...deep, after: ["ada", deep.after![1]!] }],
  ["sort -updated_at", { sort: "-updated_at" }, first],
  ["search", { q: "ada lov" }, first],
  ["rare tag", { tags: ["rare"] }, first],
  ["two tags", { tags: ["vip", "math"] }, first],
  ["stage", { stage: "Customer" }, first],
  ["source", { source: "mcp" }, first],
  ["site", { site_id: SITE }, first],
  ["profile", { profile_id: SITE }, first],
  ["email", { email: "a@x.example" }, first],
  ["phone", { phone: "+1 555 0100" }, first],
  ["created window", { created_after: "2026-01-01T00:00:00.000Z", created_before: "2026-02-01T00:00:00.000Z" }, first],
  ["updated after", { updated_after: "2026-01-01T00:00:00.000Z" }, first],
  ["search + tag + stage + sort name", { q: "ada", tags: ["vip"], stage: "Lead", sort: "name" }, deep],
  ["custom field", { custom_fields: [gold] }, first],
  ["custom field, deep", { custom_fields: [gold] }, deep],
  ["custom field, a number or its text", { custom_fields: [{ key: "score", op: "eq", text: "10", number: 10 }] }, first],
  ["custom field ne", { custom_fields: [{ key: "tier", op: "ne", text: "gold", number: null }] }, first],
  ["custom field ne a number", { custom_fields: [{ key: "score", op: "ne", text: "10", number: 10 }] }, first],
  ["custom field gt", { custom_fields: [{ key: "score", op: "gt", number: 10 }] }, first],
  ["custom field lt, sort name", { custom_fields: [{ key: "score", op: "lt", number: 10 }], sort: "name" }, first],
  ["custom field contains", { custom_fields: [{ key: "region", op: "contains", text: "%west%" }] }, first],
  ["custom field exists", { custom_fields: [{ key: "tier", op: "exists", exists: true }] }, first],
  ["custom field missing", { custom_fields: [{ key: "tier", op: "exists", exists: false }] }, first],
  ["two custom fields", { custom_fields: [{ key: "score", op: "gt", number: 10 }, gold] }, first],
  [
    "custom fields + search + tag + stage + sort name",
    { q: "ada", tags: ["vip"], stage: "Lead", custom_fields: [{ key: "region", op: "exists", exists: false }, gold], sort: "name" },
    deep,
  ],
];

async function plan({ sql, params }: { sql: string; params: unknown[] }) {
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((r) => r.detail);
}

const SELECTIVE = SHAPES.filter(([, filters]) => isSelective(filters));

describe("query plans", () => {
  it.each([
    ...SHAPES.map(([n, f, p]) => [n, f, p, "natural"] as const),
    ...SELECTIVE.flatMap(([n, f, p]) => [[`${n} (sparse plan)`, f, p, "sparse"] as const, [`${n} (dense plan)`, f, p, "dense"] as const]),
    ["search (window plan)", { q: "ada lov" } as ContactFilters, first, "window"] as const,
    ["search, deep (window plan)", { q: "ada lov" } as ContactFilters, deep, "window"] as const,
    ["rare tag (tagged plan)", { tags: ["rare"] } as ContactFilters, first, "tagged"] as const,
    ["rare tag, deep (tagged plan)", { tags: ["rare"] } as ContactFilters, deep, "tagged"] as const,
    ["rare tag, oldest first (tagged plan)", { tags: ["rare"], sort: "created_at" } as ContactFilters, deep, "tagged"] as const,
  ])("%s never scans the contacts table", async (_name, filters, page, listPlan) => {
    const { rows, count } = builtListStatements(WS, filters, page, listPlan);
    const details = [...(await plan(rows)), ...(count ? await plan(count) : [])];
    expect(details.length).toBeGreaterThan(0);
    const scans = details.filter((d) => /^SCAN (contacts|contact_tags|contact_custom_fields)\b/.test(d));
    expect(scans, details.join("\n")).toEqual([]);
    // A tag's page comes from its index in order: no sort of all its contacts.
    if (listPlan === "tagged")
      expect(
        details.filter((d) => d.includes("TEMP B-TREE")),
        details.join("\n"),
      ).toEqual([]);
    // A window search reads the search index within the window's rowid range only (the range's
    // bounds are found first: `><` is the rowid range handed to the search index).
    if (listPlan === "window")
      expect(details.filter((d) => /^SCAN f VIRTUAL TABLE INDEX \d+:M\d*></.test(d)).length, details.join("\n")).toBe(1);
  });
});

describe("custom-field filters in their index", () => {
  it.each([
    [
      "eq",
      { key: "tier", op: "eq", text: "gold", number: null },
      ["contact_custom_fields_text (workspace_id=? AND key=? AND value_text=?)"],
    ],
    [
      "eq, a number or its text",
      { key: "score", op: "eq", text: "10", number: 10 },
      [
        "contact_custom_fields_text (workspace_id=? AND key=? AND value_text=?)",
        "contact_custom_fields_num (workspace_id=? AND key=? AND value_num=?)",
      ],
    ],
    ["gt", { key: "score", op: "gt", number: 1 }, ["contact_custom_fields_num (workspace_id=? AND key=? AND value_num>?)"]],
    ["lt", { key: "score", op: "lt", number: 1 }, ["contact_custom_fields_num (workspace_id=? AND key=? AND value_num<?)"]],
    ["exists", { key: "tier", op: "exists", exists: true }, ["contact_custom_fields_text (workspace_id=? AND key=?)"]],
  ] as const)("%s: the count and the sparse page read only the matching range of the index", async (_name, filter, ranges) => {
    const { rows, count } = builtListStatements(WS, { custom_fields: [filter] }, first, "sparse");
    for (const statement of [rows, count!]) {
      const details = await plan(statement);
      for (const range of ranges)
        expect(details, details.join("\n")).toContain(`SEARCH contact_custom_fields USING COVERING INDEX ${range}`);
    }
  });

  it("a missing key and the dense plan look each contact's key up by primary key", async () => {
    const missing = builtListStatements(WS, { custom_fields: [{ key: "tier", op: "exists", exists: false }] }, first, "natural");
    const dense = builtListStatements(WS, { custom_fields: [gold] }, first, "dense");
    for (const statement of [missing.rows, missing.count!, dense.rows]) {
      const details = await plan(statement);
      expect(
        details.some((d) =>
          /^SEARCH contact_custom_fields USING (COVERING )?INDEX sqlite_autoindex_contact_custom_fields_1 \(contact_id=\? AND key=\?\)$/.test(
            d,
          ),
        ),
        details.join("\n"),
      ).toBe(true);
    }
  });
});

describe("duplicate groups", () => {
  it.each([
    ["first page", first],
    ["deep page", deep],
  ])("a %s of groups is read from the partial index of shared names and companies", async (_name, page) => {
    const details = await plan(groupsPage(db, WS, page).toSQL());
    expect(details, details.join("\n")).toEqual([
      expect.stringMatching(/^SEARCH contact_name_companies USING COVERING INDEX contact_name_companies_shared \(workspace_id=\?/),
    ]);
  });

  it("a group's contacts are found by the name index", async () => {
    const details = await plan(groupContacts(db, WS, { sortName: "ada", companyKey: "engines" }).toSQL());
    expect(details[0], details.join("\n")).toBe("SEARCH contacts USING INDEX contacts_name (workspace_id=? AND sort_name=?)");
  });
});

describe("the planner, without a database", () => {
  it("answers a list without a selective filter, a tag or a search alone in one round trip", () => {
    expect(firstStep({})).toEqual({ plan: "natural", page: true });
    expect(firstStep({ stage: "Lead", sort: "name" })).toEqual({ plan: "natural", page: true });
    expect(firstStep({ tags: ["rare"] })).toEqual({ plan: "tagged", page: true });
    expect(firstStep({ tags: ["rare"], sort: "name" })).toEqual({ plan: "sparse", page: true });
    expect(firstStep({ tags: ["vip", "math"] })).toEqual({ plan: "sparse", page: true });
    expect(firstStep({ q: "ada" })).toEqual({ plan: "window", page: true });
    expect(firstStep({ q: "ada", sort: "created_at" })).toEqual({ plan: "window", page: true });
    expect(firstStep({ custom_fields: [gold] })).toEqual({ plan: "sparse", page: true });
    expect(firstStep({ custom_fields: [{ key: "tier", op: "exists", exists: false }] })).toEqual({ plan: "natural", page: true });
  });

  it("counts first whenever a search or tag is combined with anything, or a search is sorted otherwise", () => {
    expect(firstStep({ q: "ada", sort: "name" })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ q: "ada", tags: ["vip"] })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ tags: ["vip"], stage: "Lead" })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ custom_fields: [gold], tags: ["vip"] })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ custom_fields: [{ key: "score", op: "gt", number: 1 }, gold] })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ custom_fields: [{ key: "tier", op: "exists", exists: false }, gold] })).toEqual({ plan: "sparse", page: false });
  });

  it("lets the count pick: few matches are looked up, many are walked along the sort index", () => {
    const counted = { plan: "sparse", page: false } as const;
    expect(planAfterCount(counted, 1000, 0, 25)).toBe("sparse");
    expect(planAfterCount(counted, 1001, 0, 25)).toBe("dense");
    // A page read among the first matches is the answer while the count stays under the cap.
    expect(planAfterCount({ plan: "sparse", page: true }, 1000, 26, 25)).toBeNull();
    expect(planAfterCount({ plan: "sparse", page: true }, 1001, 26, 25)).toBe("dense");
    // One tag's page comes from its index, whatever the count.
    expect(planAfterCount({ plan: "tagged", page: true }, 5000, 3, 25)).toBeNull();
    // A full window page is exact; a short one falls back to the count's plan.
    expect(planAfterCount({ plan: "window", page: true }, 5000, 26, 25)).toBeNull();
    expect(planAfterCount({ plan: "window", page: true }, 40, 3, 25)).toBe("sparse");
    expect(planAfterCount({ plan: "window", page: true }, 5000, 3, 25)).toBe("dense");
  });
});

describe("statements kept by shape", () => {
  it("are built once per shape, refuse a value built into the text, and take each request's values", async () => {
    const tenant = await newWorkspace("business");
    const created = await call("POST", "/v1/contacts", { key: tenant.key, body: { first_name: "Shaped", tags: ["x"] } });
    expect(created.status).toBe(201);
    let builds = 0;
    const setTags = () => {
      builds++;
      return db.orm
        .update(contacts)
        .set({ tags: slot("tags") as never })
        .where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, slot("id"))))
        .returning({ tags: contacts.tags });
    };
    const shape = `test.shape:${crypto.randomUUID()}`;
    const values = { workspace: tenant.workspaceId, id: created.body.id };
    await db.run(db.shaped(shape, setTags, { ...values, tags: ["y", "z"] }));
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: tenant.key })).body.tags).toEqual(["y", "z"]);
    // The same statement with other values (the JSON column's encoding applied to each request's).
    await db.run(db.shaped(shape, setTags, { ...values, tags: [] }));
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: tenant.key })).body.tags).toEqual([]);
    expect(builds).toBe(1);
    expect(() => db.shaped(shape, setTags, { workspace: WS, tags: [] })).toThrow(/no value for slot "id"/);
    const valueBuiltIn = () =>
      db.orm
        .select()
        .from(contacts)
        .where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, "a")));
    expect(() => db.shaped(`${shape}:value`, valueBuiltIn, { workspace: WS })).toThrow(/parameter 2 is a value, not a slot/);
  });
});
