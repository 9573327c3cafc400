import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb, withStablePlan } from "../src/lib/db/client";
import { contactListQueries, type ContactFilters } from "../src/contacts/contacts.data";
import { shapedQuery, slot } from "../src/lib/db/rows";
import { contacts } from "../src/contacts/contacts.table";
import type { PageRequest } from "../src/lib/pagination";

const WS = "01a20000-0000-7000-8000-000000000000";
const SITE = "01a20000-0000-7000-8000-000000000001";
const db = createDb(env.DB);

const first: PageRequest = { scope: "x", limit: 25, page: 1, offset: 0 };
const deep: PageRequest = { scope: "x", limit: 25, page: 1000, offset: 0, after: ["2026-01-01T00:00:00.000Z", "01a20000-0000-7000-8000-0000000000ff"] };

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

async function plan(query: { toSQL(): { sql: string; params: unknown[] } }) {
  const { sql, params } = query.toSQL();
  const rows = await env.DB.prepare(`EXPLAIN QUERY PLAN ${withStablePlan(sql)}`).bind(...params).all<{ detail: string }>();
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
    const { rows, count } = contactListQueries(db, WS, filters, page, listPlan);
    const details = [...(await plan(rows)), ...(count ? await plan(count) : [])];
    expect(details.length).toBeGreaterThan(0);
    const scans = details.filter((d) => /^SCAN (contacts|contact_tags)\b/.test(d));
    expect(scans, details.join("\n")).toEqual([]);
    // A tag's page comes from its index in order: no sort of all its contacts.
    if (listPlan === "tagged") expect(details.filter((d) => d.includes("TEMP B-TREE")), details.join("\n")).toEqual([]);
    // A window search reads the search index within the window's rowid range only (the range's
    // bounds are found first: `><` is the rowid range handed to the search index).
    if (listPlan === "window") expect(details.filter((d) => /^SCAN f VIRTUAL TABLE INDEX \d+:M\d*></.test(d)).length, details.join("\n")).toBe(1);
  });
});

describe("statements as the Worker sends them", () => {
  it("write every parameter +? (outside quotes, once), so no plan depends on a binding", () => {
    expect(withStablePlan(`SELECT '?', "a?" FROM t WHERE a = ? AND b IN (?, +?) AND c = json_each(?1) AND d = 'it''s ?'`)).toBe(
      `SELECT '?', "a?" FROM t WHERE a = +? AND b IN (+?, +?) AND c = json_each(+?1) AND d = 'it''s ?'`,
    );
    const once = withStablePlan("UPDATE t SET a = ? WHERE id = ?");
    expect(withStablePlan(once)).toBe(once);
  });

  it("are built once per shape, refuse a value built into the text, and take each request's values", () => {
    let builds = 0;
    const byId = () => {
      builds++;
      return db.update(contacts).set({ tags: slot("tags") as never }).where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, slot("id"))));
    };
    const shape = `test.shape:${crypto.randomUUID()}`;
    const one = shapedQuery(shape, byId, { workspace: WS, id: "a", tags: ["x"] }).toSQL();
    const two = shapedQuery(shape, byId, { workspace: "other", id: "b", tags: [] }).toSQL();
    expect(builds).toBe(1);
    expect(two.sql).toBe(one.sql);
    // The JSON column's encoding applies to its slot's value.
    expect([one.params, two.params]).toEqual([['["x"]', WS, "a"], ["[]", "other", "b"]]);
    expect(() => shapedQuery(shape, byId, { workspace: WS, tags: [] })).toThrow(/no value for slot "id"/);
    const valueBuiltIn = () => db.select().from(contacts).where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, "a")));
    expect(() => shapedQuery(`${shape}:value`, valueBuiltIn, { workspace: WS })).toThrow(/parameter 2 is a value, not a slot/);
  });

  it("write LIMIT and OFFSET as numbers, not parameters (SQLite plans with a bound LIMIT's value)", () => {
    const { sql, params } = contactListQueries(db, WS, {}, { ...first, page: 3, offset: 50 }).rows.toSQL();
    expect(sql).toMatch(/ limit 26 offset 50$/);
    expect(params).toEqual([WS]);
  });
});

