import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ListContactsQuery } from "../src/contacts/contacts.schemas";
import { builtListStatements, type ContactFilters, type ListPlan } from "../src/contacts/contacts.search";
import { readListQuery } from "../src/lib/pagination";
import { type Answer, call, expectError, newWorkspace, type Tenant } from "./helpers";

let t: Tenant;
const ids: Record<string, string> = {};

/** Created in this order (oldest first); the list below asks `sort=created_at`. */
const PEOPLE = [
  { first_name: "Ada", tags: ["vip"], stage: "Customer", custom_fields: { tier: "gold", score: 10, vip: true, region: "EU-West" } },
  { first_name: "Bob", custom_fields: { tier: "silver", score: 2.5, region: "us_east" } },
  { first_name: "Cy", custom_fields: { tier: "gold", score: "10" } },
  { first_name: "Di", custom_fields: {} },
  { first_name: "Ed", custom_fields: { tier: null, score: 100 } },
  { first_name: "Flo", tags: ["vip"], custom_fields: { tier: "Gold", "size[cm]": 5, note: "50% off" } },
];

beforeAll(async () => {
  t = await newWorkspace("business");
  for (const p of PEOPLE) {
    const res = await call("POST", "/v1/contacts", { key: t.key, body: p });
    expect(res.status, res.text).toBe(201);
    ids[p.first_name] = res.body.id;
  }
  // Another workspace's gold contact, which must never show up.
  const other = await newWorkspace();
  await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "Other", custom_fields: { tier: "gold", score: 10 } } });
});

const names = async (query: string) => {
  const res = await call("GET", `/v1/contacts?${query}&sort=created_at`, { key: t.key });
  expect(res.status, res.text).toBe(200);
  expect(res.body.pagination).toEqual({ page: 1, limit: 25, total: res.body.data.length, total_exact: true, next_cursor: null });
  return res.body.data.map((c: { first_name: string }) => c.first_name);
};

describe("custom-field filters", () => {
  it.each([
    ["custom_fields.tier=gold", ["Ada", "Cy"]],
    ["custom_fields.tier[eq]=gold", ["Ada", "Cy"]],
    ["customFields.tier=gold", ["Ada", "Cy"]],
    ["custom_fields.tier=Gold", ["Flo"]],
    ["custom_fields.tier=bronze", []],
    ["custom_fields.nothing=gold", []],
    // ne: the key has a value, and another one (a null value counts as absent).
    ["custom_fields.tier[ne]=gold", ["Bob", "Flo"]],
    ["custom_fields.tier[exists]=true", ["Ada", "Bob", "Cy", "Flo"]],
    ["custom_fields.tier[exists]=false", ["Di", "Ed"]],
    // A value that reads as a number matches the number and the same text.
    ["custom_fields.score=10", ["Ada", "Cy"]],
    ["custom_fields.score=10.0", ["Ada"]],
    ["custom_fields.score=1e1", ["Ada"]],
    ["custom_fields.score[ne]=10", ["Bob", "Ed"]],
    // gt and lt compare numbers only: the text "10" is not one.
    ["custom_fields.score[gt]=5", ["Ada", "Ed"]],
    ["custom_fields.score[lt]=5", ["Bob"]],
    ["custom_fields.score[gt]=-1&custom_fields.score[lt]=50", ["Ada", "Bob"]],
    ["custom_fields.score[gt]=100", []],
    // contains: case-insensitively (A–Z), `%` and `_` taken literally.
    ["custom_fields.region[contains]=west", ["Ada"]],
    ["custom_fields.region[contains]=_", ["Bob"]],
    ["custom_fields.note[contains]=50%25", ["Flo"]],
    ["custom_fields.note[contains]=0%25 o", ["Flo"]],
    ["custom_fields.region[contains]=u_w", []],
    // Booleans compare as the text true or false.
    ["custom_fields.vip=true", ["Ada"]],
    ["custom_fields.vip=false", []],
    // A key ending in brackets takes its operator explicitly.
    ["custom_fields.size%5Bcm%5D%5Beq%5D=5", ["Flo"]],
    // Several keys, and every other filter: all AND-ed.
    ["custom_fields.tier=gold&custom_fields.score[gt]=5", ["Ada"]],
    ["custom_fields.tier=gold&custom_fields.region[exists]=false", ["Cy"]],
    ["custom_fields.tier[exists]=true&tags=vip", ["Ada", "Flo"]],
    ["custom_fields.tier[exists]=true&stage=customer", ["Ada"]],
    ["custom_fields.tier[exists]=true&q=flo", ["Flo"]],
    ["custom_fields.tier[exists]=false&q=ed", ["Ed"]],
    ["custom_fields.score[gt]=0&tags=vip&q=ada&stage=Customer", ["Ada"]],
  ])("%s", async (query, expected) => {
    expect(await names(query)).toEqual(expected);
  });

  it("answers every contact whole, in the order asked", async () => {
    const res = await call("GET", "/v1/contacts?custom_fields.tier=gold&sort=name", { key: t.key });
    const full = (name: string) => call("GET", `/v1/contacts/${ids[name]}`, { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [(await full("Ada")).body, (await full("Cy")).body],
      pagination: { page: 1, limit: 25, total: 2, total_exact: true, next_cursor: null },
    });
  });

  it("follows every change: a PATCH, a PUT and a delete move the contact in or out of the filter", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Mover", custom_fields: { stage2: "x" } } });
    const id = created.body.id;
    const found = async () => (await names("custom_fields.stage2=y")).includes("Mover");
    expect(await found()).toBe(false);
    await call("PATCH", `/v1/contacts/${id}`, { key: t.key, body: { custom_fields: { stage2: "y" } } });
    expect(await found()).toBe(true);
    await call("PUT", `/v1/contacts/${id}`, { key: t.key, body: { first_name: "Mover" } });
    expect(await found()).toBe(false);
    await call("PATCH", `/v1/contacts/${id}`, { key: t.key, body: { custom_fields: { stage2: "y" } } });
    await call("DELETE", `/v1/contacts/${id}`, { key: t.key });
    expect(await found()).toBe(false);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM contact_custom_fields WHERE contact_id = ?").bind(id).first("n")).toBe(0);
  });

  /** Query, the parameter it names, the message. */
  const BAD: [string, string, string][] = [
    [
      "custom_fields.tier[foo]=x",
      "custom_fields.tier[foo]",
      "is not a known operator: use [eq], [ne], [gt], [lt], [contains], [exists], or none for eq",
    ],
    ["custom_fields.score[gt]=ten", "custom_fields.score[gt]", "must be a number"],
    ["custom_fields.score[lt]=", "custom_fields.score[lt]", "must be a number"],
    ["custom_fields.score[gt]=1e999", "custom_fields.score[gt]", "must be a number"],
    ["custom_fields.tier[exists]=yes", "custom_fields.tier[exists]", "must be true or false"],
    ["custom_fields.tier[contains]=", "custom_fields.tier[contains]", "must not be empty"],
    ["custom_fields.=x", "custom_fields.", "key must not be empty"],
    ["custom_fields.[ne]=x", "custom_fields.[ne]", "key must not be empty"],
    [`custom_fields.${"k".repeat(65)}=x`, `custom_fields.${"k".repeat(65)}`, "key must be at most 64 characters"],
    ["custom_fields.tier=%01", "custom_fields.tier", "must not contain control characters"],
    [`custom_fields.tier=${"x".repeat(2049)}`, "custom_fields.tier", "must be at most 2048 characters"],
    ["custom_fields=gold", "custom_fields", "takes filters as custom_fields.{key}, custom_fields.{key}[op]"],
    [Array.from({ length: 11 }, (_, i) => `custom_fields.k${i}=x`).join("&"), "custom_fields", "must have at most 10 filters"],
    ["custom_field.tier=gold", "custom_field.tier", "is not a known field"],
    [
      "custom_fields.tier=gold&customFields.tier=gold",
      "custom_fields.tier",
      "was sent twice (as custom_fields.tier and customFields.tier)",
    ],
  ];

  it.each(BAD.map(([query, ...rest]) => [query.length > 80 ? `${query.slice(0, 77)}…` : query, query, ...rest]))(
    "%s is 400 naming the parameter",
    async (_label, query, field, message) => {
      const res = await call("GET", `/v1/contacts?${query}`, { key: t.key });
      const body = expectError(res, 400, "validation_failed", `${field} ${message}`);
      expect(body.details).toEqual([{ field, message }]);
    },
  );

  it("takes the filters through the list query's schema, in one order whatever the query's", () => {
    const read = (query: Record<string, string>) => readListQuery(query, ListContactsQuery, "contacts");
    const one = read({ "custom_fields.tier": "gold", "custom_fields.score[gt]": "5", "custom_fields.a[exists]": "false" });
    const other = read({ "custom_fields.a[exists]": "false", "custom_fields.score[gt]": "5", "customFields.tier": "gold" });
    expect(one.query.custom_fields).toEqual([
      { key: "a", op: "exists", exists: false },
      { key: "score", op: "gt", number: 5 },
      { key: "tier", op: "eq", text: "gold", number: null },
    ]);
    expect(other.query.custom_fields).toEqual(one.query.custom_fields);
    expect(other.page.scope).toBe(one.page.scope);
  });
});

describe("custom-field filters and pages", () => {
  let walk: Tenant;
  const TIERS = ["gold", "silver", "bronze"];

  beforeAll(async () => {
    walk = await newWorkspace("business");
    for (let i = 0; i < 3; i++) {
      const res = await call("POST", "/v1/contacts/batch", {
        key: walk.key,
        body: {
          contacts: Array.from({ length: 100 }, (_, j) => {
            const n = i * 100 + j;
            return { first_name: `P${String(n).padStart(3, "0")}`, custom_fields: { tier: TIERS[n % 3], rank: n } };
          }),
        },
      });
      expect(res.status).toBe(207);
    }
  });

  const expectedGold = (sort: "-created_at" | "name") => {
    const gold = Array.from({ length: 300 }, (_, n) => n).filter((n) => n % 3 === 0);
    return (sort === "name" ? gold : gold.reverse()).map((n) => `P${String(n).padStart(3, "0")}`);
  };

  it.each(["-created_at", "name"] as const)(
    "a cursor walk (sort %s) visits every match once, with the filter in the cursor",
    async (sort) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const query: string = cursor ? `cursor=${encodeURIComponent(cursor)}` : `custom_fields.tier=gold&limit=7&sort=${sort}`;
        const res: Answer = await call("GET", `/v1/contacts?${query}${cursor ? "&limit=7" : ""}`, { key: walk.key });
        expect(res.status, res.text).toBe(200);
        page++;
        expect(res.body.pagination).toMatchObject({ page, limit: 7, total: 100, total_exact: true });
        seen.push(...res.body.data.map((c: { first_name: string }) => c.first_name));
        cursor = res.body.pagination.next_cursor;
      } while (cursor);
      expect(seen).toEqual(expectedGold(sort));
      expect(page).toBe(15);
    },
  );

  it("refuses a cursor with another custom-field filter", async () => {
    const first = await call("GET", "/v1/contacts?custom_fields.tier=gold&limit=7", { key: walk.key });
    const cursor = encodeURIComponent(first.body.pagination.next_cursor);
    const repeated = await call("GET", `/v1/contacts?cursor=${cursor}&custom_fields.tier=gold&limit=7`, { key: walk.key });
    expect(repeated.status).toBe(200);
    expect(repeated.body.pagination.page).toBe(2);
    expectError(
      await call("GET", `/v1/contacts?cursor=${cursor}&custom_fields.tier=silver`, { key: walk.key }),
      400,
      "validation_failed",
      /different sort or filter/,
    );
    expectError(
      await call("GET", `/v1/contacts?cursor=${cursor}&custom_fields.tier[ne]=gold`, { key: walk.key }),
      400,
      "validation_failed",
      /different sort or filter/,
    );
  });

  it("every plan finds the same pages", async () => {
    const ranks = (first: number) => Array.from({ length: 300 }, (_, n) => n).filter((n) => n % 3 === 0 && n > first);
    const filters: ContactFilters = {
      custom_fields: [
        { key: "rank", op: "gt", number: 150 },
        { key: "tier", op: "eq", text: "gold", number: null },
      ],
    };
    const expected = ranks(150)
      .reverse()
      .map((n) => `P${String(n).padStart(3, "0")}`);
    for (const plan of ["natural", "sparse", "dense"] as ListPlan[]) {
      const { rows } = builtListStatements(walk.workspaceId, filters, { scope: "x", limit: 100, page: 1, offset: 0 }, plan);
      const found = await env.DB.prepare(rows.sql)
        .bind(...rows.params)
        .all<{ json: string }>();
      expect(
        found.results.map((r) => JSON.parse(r.json).first_name),
        plan,
      ).toEqual(expected);
    }
    expect(await names2("custom_fields.tier=gold&custom_fields.rank[gt]=150&limit=100")).toEqual(expected);
  });

  const names2 = async (query: string) => {
    const res = await call("GET", `/v1/contacts?${query}`, { key: walk.key });
    expect(res.status, res.text).toBe(200);
    return res.body.data.map((c: { first_name: string }) => c.first_name);
  };
});
