import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { builtListStatements, type ContactFilters, firstStep, planAfterCount } from "../src/contacts/contacts.search";
import { contacts } from "../src/contacts/contacts.table";
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
];

async function plan({ sql, params }: { sql: string; params: unknown[] }) {
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return rows.results.map((r) => r.detail);
}

const SELECTIVE = SHAPES.filter(([, filters]) => filters.q !== undefined || filters.tags !== undefined);

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
    const scans = details.filter((d) => /^SCAN (contacts|contact_tags)\b/.test(d));
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

describe("the planner, without a database", () => {
  it("answers a list without a selective filter, a tag or a search alone in one round trip", () => {
    expect(firstStep({})).toEqual({ plan: "natural", page: true });
    expect(firstStep({ stage: "Lead", sort: "name" })).toEqual({ plan: "natural", page: true });
    expect(firstStep({ tags: ["rare"] })).toEqual({ plan: "tagged", page: true });
    expect(firstStep({ tags: ["rare"], sort: "name" })).toEqual({ plan: "sparse", page: true });
    expect(firstStep({ tags: ["vip", "math"] })).toEqual({ plan: "sparse", page: true });
    expect(firstStep({ q: "ada" })).toEqual({ plan: "window", page: true });
    expect(firstStep({ q: "ada", sort: "created_at" })).toEqual({ plan: "window", page: true });
  });

  it("counts first whenever a search or tag is combined with anything, or a search is sorted otherwise", () => {
    expect(firstStep({ q: "ada", sort: "name" })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ q: "ada", tags: ["vip"] })).toEqual({ plan: "sparse", page: false });
    expect(firstStep({ tags: ["vip"], stage: "Lead" })).toEqual({ plan: "sparse", page: false });
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
