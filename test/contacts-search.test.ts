import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { builtListStatements, type ListPlan } from "../src/contacts/contacts.search";
import { call, expectError, newWorkspace, type Tenant } from "./helpers";

let t: Tenant;
let siteId: string;
const ids: Record<string, string> = {};

const PEOPLE = [
  {
    first_name: "Ada",
    last_name: "Lovelace",
    email: "ada@engines.example",
    company: "Analytical Engines",
    job_title: "Mathematician",
    tags: ["vip", "math"],
    stage: "Customer",
  },
  {
    first_name: "alan",
    last_name: "Turing",
    email: "alan@bletchley.example",
    company: "Bletchley Park",
    job_title: "Cryptanalyst",
    tags: ["math"],
    source: "import",
  },
  {
    first_name: "Grace",
    last_name: "Hopper",
    email: "grace@navy.example",
    company: "US Navy",
    job_title: "Rear Admiral",
    tags: ["vip", "navy"],
    notes: "invented the compiler",
  },
  { first_name: "Émile", last_name: "Zola", phone: "+33 1 23 45 67 89", company: "Écrivains", tags: [], source: "mcp" },
  {
    first_name: "Barbara",
    last_name: "Liskov",
    email: "barbara@mit.example",
    company: "MIT",
    job_title: "Professor",
    tags: ["VIP"],
    stage: "Qualified",
  },
];

beforeAll(async () => {
  t = await newWorkspace("business");
  siteId = (await call("POST", "/v1/sites", { key: t.key, body: { title: "Web Summit" } })).body.id;
  for (const [i, p] of PEOPLE.entries()) {
    const res = await call("POST", "/v1/contacts", { key: t.key, body: i === 2 ? { ...p, site_id: siteId } : p });
    expect(res.status).toBe(201);
    ids[p.first_name] = res.body.id;
  }
  // Someone else's Ada, who must never show up.
  const other = await newWorkspace();
  await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "Ada", last_name: "Other", tags: ["vip"] } });
});

const names = async (query: string) => {
  const res = await call("GET", `/v1/contacts?${query}`, { key: t.key });
  expect(res.status, res.text).toBe(200);
  return res.body.data.map((c: { first_name: string }) => c.first_name);
};

describe("search and filters", () => {
  it.each([
    ["q=ada", ["Ada"]],
    ["q=lov", ["Ada"]],
    ["q=ENGINES", ["Ada"]],
    ["q=bletchley.example", ["alan"]],
    ["q=math", ["Ada"]],
    ["q=compil", ["Grace"]],
    ["q=emile", ["Émile"]],
    ["q=ecriv", ["Émile"]],
    ["q=3312345", ["Émile"]],
    ["q=67 89", ["Émile"]],
    ["q=grace hop", ["Grace"]],
    ["q=grace turing", []],
    // Words of 7 to 12 characters are prefixes as much as short ones (each length has its own
    // prefix index); a longer one still matches by prefix, and none is cut short.
    ["q=lovelace", ["Ada"]],
    ["q=mathemati", ["Ada"]],
    ["q=cryptanalys", ["alan"]],
    ["q=cryptanalyst", ["alan"]],
    ["q=cryptanalysts", []],
    ["q=engineer", []],
    ["searchText=prof", ["Barbara"]],
    ["tags=vip", ["Barbara", "Grace", "Ada"]],
    ["tags=VIP,math", ["Ada"]],
    ["tags=navy,math", []],
    ["stage=customer", ["Ada"]],
    ["stage=Lead", ["Émile", "Grace", "alan"]],
    ["source=import", ["alan"]],
    ["channel=mcp", ["Émile"]],
    [`site_id=SITE`, ["Grace"]],
    [`locationId=SITE`, ["Grace"]],
    ["email=GRACE@navy.example", ["Grace"]],
    ["phone=%2B33123456789", ["Émile"]],
    ["q=b&tags=vip&stage=Qualified", ["Barbara"]],
    ["q=ada&tags=vip&channel=api", ["Ada"]],
  ])("%s", async (query, expected) => {
    expect(await names(query.replace("SITE", siteId))).toEqual(expected);
  });

  it("filters by creation and update time, exclusive", async () => {
    const all = (await call("GET", "/v1/contacts?sort=created_at", { key: t.key })).body.data;
    const first = all[0];
    const after = await names(`created_after=${encodeURIComponent(first.created_at)}&sort=created_at`);
    expect(after).not.toContain(first.first_name);
    const before = await names(`created_before=${encodeURIComponent(all[1].created_at)}&sort=created_at`);
    expect(before).toEqual(
      all.filter((c: { created_at: string }) => c.created_at < all[1].created_at).map((c: { first_name: string }) => c.first_name),
    );
    await call("PATCH", `/v1/contacts/${ids.alan}`, { key: t.key, body: { notes: "touched" } });
    const touched = (await call("GET", `/v1/contacts/${ids.alan}`, { key: t.key })).body;
    expect(await names(`updated_after=${encodeURIComponent(new Date(Date.parse(touched.updated_at) - 1).toISOString())}`)).toEqual([
      "alan",
    ]);
  });
});

describe("search index keys", () => {
  it("key each contact's row by its workspace's number and its own rowid; a rowid past 32 bits is refused", async () => {
    const row = await env.DB.prepare(
      "SELECT w.number AS number, c.rowid AS rowid, (SELECT count(*) FROM contacts_fts WHERE rowid = (w.number << 32) + c.rowid AND contacts_fts MATCH 'lovelace') AS indexed FROM contacts c JOIN workspaces w ON w.id = c.workspace_id WHERE c.id = ?",
    )
      .bind(ids.Ada)
      .first<{ number: number; rowid: number; indexed: number }>();
    expect(row!.number).toBeGreaterThan(0);
    expect(row!.indexed).toBe(1);
    const insert = env.DB.prepare(
      "INSERT INTO contacts (rowid, id, workspace_id, first_name, sort_name, stage, custom_fields, tags, source, version, created_at, updated_at, saved_at) VALUES (4294967296, 'far', ?, 'Far', 'far', 'Lead', '{}', '[]', 'api', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    ).bind(t.workspaceId);
    await expect(insert.run()).rejects.toThrow(/contact_rowid_out_of_range/);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE id = 'far'").first("n")).toBe(0);
  });
});

describe("search index prefixes", () => {
  it("has a prefix index for every word length from 2 to 12", async () => {
    // What search speed rests on: a prefix query with no index of its length merges the lists of
    // every word it matches, across all workspaces, before reading any (migration 0014).
    const table = await env.DB.prepare("SELECT sql FROM sqlite_master WHERE name = 'contacts_fts'").first<{ sql: string }>();
    expect(table!.sql).toContain("prefix = '2 3 4 5 6 7 8 9 10 11 12'");
  });
});

describe("statements kept by shape", () => {
  it("lists of one shape share their statements' text, each with its own workspace's values", async () => {
    // Another workspace, whose contacts match the same filters, asks the same questions.
    const other = await newWorkspace();
    const create = async (body: object) => (await call("POST", "/v1/contacts", { key: other.key, body })).body;
    const twin = await create({
      first_name: "Ada",
      last_name: "Twin",
      email: "ada@twin.example",
      tags: ["vip", "math"],
      stage: "Customer",
    });
    const grace = await create({ first_name: "Grace", last_name: "Twin", tags: ["vip"] });
    const only = (data: object[], next_cursor: string | null = null) => ({
      data,
      pagination: { page: 1, limit: 25, total: data.length, total_exact: true, next_cursor },
    });
    for (const [query, mine] of [
      ["q=ada", ["Ada"]],
      ["q=ada&tags=math", ["Ada"]],
      ["tags=vip,math", ["Ada"]],
      ["stage=customer&tags=math", ["Ada"]],
      ["email=ada@twin.example", []],
    ] as const) {
      expect(await names(query), query).toEqual(mine);
      expect((await call("GET", `/v1/contacts?${query}`, { key: other.key })).body, query).toEqual(only([twin]));
    }
    // A cursor's page: one shape, each workspace's own keys.
    const pages = async (key: string) => {
      const first = await call("GET", "/v1/contacts?tags=vip&limit=1", { key });
      const next = await call("GET", `/v1/contacts?cursor=${encodeURIComponent(first.body.pagination.next_cursor)}&limit=1`, { key });
      return [first.body.data, next.body] as const;
    };
    const [myFirst, myNext] = await pages(t.key);
    expect([...myFirst, ...myNext.data].map((c: { id: string }) => c.id)).toEqual([ids.Barbara, ids.Grace]);
    const [theirFirst, theirNext] = await pages(other.key);
    expect(theirFirst).toEqual([grace]);
    expect(theirNext).toEqual({ data: [twin], pagination: { page: 2, limit: 1, total: 2, total_exact: true, next_cursor: null } });
  });
});

describe("sorting", () => {
  it.each([
    // Names compare lower-cased by code point, so "émile" comes after every ASCII name.
    ["sort=name", ["Ada", "alan", "Barbara", "Grace", "Émile"]],
    ["sort=-name", ["Émile", "Grace", "Barbara", "alan", "Ada"]],
    ["sort=created_at", ["Ada", "alan", "Grace", "Émile", "Barbara"]],
    ["sort=-created_at", ["Barbara", "Émile", "Grace", "alan", "Ada"]],
  ])("%s", async (query, expected) => {
    expect(await names(query)).toEqual(expected);
  });

  it("-updated_at puts the last changed first", async () => {
    await call("PATCH", `/v1/contacts/${ids.Barbara}`, { key: t.key, body: { notes: "recent" } });
    await call("PATCH", `/v1/contacts/${ids.Ada}`, { key: t.key, body: { notes: "most recent" } });
    expect((await names("sort=-updated_at")).slice(0, 2)).toEqual(["Ada", "Barbara"]);
    expect((await names("sort=updated_at")).slice(-2)).toEqual(["Barbara", "Ada"]);
  });
});

describe("pagination", () => {
  it("pages by number with an exact total and a next_cursor", async () => {
    const p1 = await call("GET", "/v1/contacts?limit=2&sort=created_at", { key: t.key });
    expect(p1.body.pagination).toEqual({ page: 1, limit: 2, total: 5, total_exact: true, next_cursor: expect.any(String) });
    const p3 = await call("GET", "/v1/contacts?per_page=2&page=3&sort=created_at", { key: t.key });
    expect(p3.body.data.map((c: { id: string }) => c.id)).toEqual([ids.Barbara]);
    expect(p3.body.pagination).toEqual({ page: 3, limit: 2, total: 5, total_exact: true, next_cursor: null });
  });

  it("a cursor carries its filters: repeating them is fine, changing them or adding page is 400", async () => {
    const p1 = await call("GET", "/v1/contacts?tags=vip&limit=1", { key: t.key });
    expect(p1.body.pagination.total).toBe(3);
    const cursor = encodeURIComponent(p1.body.pagination.next_cursor);
    const bare = await call("GET", `/v1/contacts?cursor=${cursor}&limit=1`, { key: t.key });
    const repeated = await call("GET", `/v1/contacts?cursor=${cursor}&limit=1&tags=vip`, { key: t.key });
    expect(bare.body).toEqual(repeated.body);
    expect(bare.body.data[0].first_name).toBe("Grace");
    expect(bare.body.pagination).toMatchObject({ page: 2, limit: 1, total: 3 });
    expectError(
      await call("GET", `/v1/contacts?cursor=${cursor}&tags=math`, { key: t.key }),
      400,
      "validation_failed",
      /different sort or filter/,
    );
    expectError(
      await call("GET", `/v1/contacts?cursor=${cursor}&sort=name&tags=vip`, { key: t.key }),
      400,
      "validation_failed",
      /different sort or filter/,
    );
    expectError(
      await call("GET", `/v1/contacts?cursor=${cursor}&page=2`, { key: t.key }),
      400,
      "validation_failed",
      "page cannot be combined with cursor",
    );
  });

  it("caps a filtered count at 1,000 and says it is not exact", async () => {
    const big = await newWorkspace("business");
    for (let i = 0; i < 11; i++) {
      const res = await call("POST", "/v1/contacts/batch", {
        key: big.key,
        body: { contacts: Array.from({ length: 100 }, (_, j) => ({ first_name: `Bulk${i * 100 + j}`, tags: ["bulk"] })) },
      });
      expect(res.status).toBe(207);
    }
    const filtered = await call("GET", "/v1/contacts?tags=bulk&limit=1", { key: big.key });
    expect(filtered.body.pagination).toMatchObject({ total: 1000, total_exact: false });
    const unfiltered = await call("GET", "/v1/contacts?limit=1", { key: big.key });
    expect(unfiltered.body.pagination).toMatchObject({ total: 1100, total_exact: true });

    // A search matching more than the cap walks the sort index: same pages as the plain list.
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((c) => c.id);
    const plain = await call("GET", "/v1/contacts?limit=30", { key: big.key });
    const dense = await call("GET", "/v1/contacts?q=bulk&limit=30", { key: big.key });
    expect(dense.body.pagination).toMatchObject({ total: 1000, total_exact: false });
    expect(ids(dense)).toEqual(ids(plain));
    const plainNext = await call("GET", `/v1/contacts?limit=30&cursor=${plain.body.pagination.next_cursor}`, { key: big.key });
    const denseNext = await call("GET", `/v1/contacts?q=bulk&limit=30&cursor=${dense.body.pagination.next_cursor}`, { key: big.key });
    expect(ids(denseNext)).toEqual(ids(plainNext));
    // Whichever plan the count and the window pick for a broad search, it gives the plain list's pages
    // (sparse is only taken when the count says the matches are few).
    const pageIds = async (plan: ListPlan, after?: [string, string]) => {
      const { rows } = builtListStatements(
        big.workspaceId,
        { q: "bulk" },
        { scope: "contacts?q=bulk", limit: 30, page: 1, offset: 0, after },
        plan,
      );
      const { sql, params } = rows;
      return (
        await env.DB.prepare(sql)
          .bind(...params)
          .all<{ id: string }>()
      ).results
        .slice(0, 30)
        .map((r) => r.id);
    };
    const lastOfPlain = plain.body.data.at(-1) as { id: string; created_at: string };
    for (const plan of ["window", "dense"] as const) {
      expect(await pageIds(plan), plan).toEqual(ids(plain));
      expect(await pageIds(plan, [lastOfPlain.created_at, lastOfPlain.id]), plan).toEqual(ids(plainNext));
    }
    // The same for a tag every one of them carries: checked row by row along the sort index.
    const tagged = await call("GET", "/v1/contacts?tags=bulk&limit=30", { key: big.key });
    expect(ids(tagged)).toEqual(ids(plain));
    const taggedNext = await call("GET", `/v1/contacts?tags=bulk&limit=30&cursor=${tagged.body.pagination.next_cursor}`, { key: big.key });
    expect(ids(taggedNext)).toEqual(ids(plainNext));
    // A search matching a few of them looks those up and sorts them.
    const few = await call("GET", "/v1/contacts?q=bulk1099&limit=5", { key: big.key });
    expect(few.body.data.map((c: { first_name: string }) => c.first_name)).toEqual(["Bulk1099"]);
    expect(few.body.pagination).toMatchObject({ total: 1, total_exact: true });
  });

  it("a search's window pages are exact when storage order and creation order differ", async () => {
    // Stored in one order, created in another: the 1,000 newest (even rowids up to 2,000, five of
    // them matching) interleave with old matches (odd rowids), and 100 matches stored last sort
    // between the two. The window's rowid range then holds matches from outside the window, and
    // the next matches after the window are outside its range.
    const mixed = await newWorkspace("business");
    await env.DB.prepare(
      `INSERT INTO contacts (id, workspace_id, first_name, last_name, sort_name, stage, custom_fields, tags, source, version, created_at, updated_at, saved_at)
       WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2099),
         c(i, name, at) AS (
           SELECT i, CASE WHEN i % 2 = 1 OR i >= 2000 OR i % 400 = 0 THEN 'Mixed' ELSE 'Other' END,
             strftime('%Y-%m-%dT%H:%M:%S.000Z', '2026-01-01', printf('+%d seconds', CASE WHEN i >= 2000 THEN 50000 + i WHEN i % 2 = 0 THEN 100000 + i ELSE i END))
           FROM n)
       SELECT printf('01b30000-0000-7000-8000-%012d', i), ?1, name, printf('N%d', i), lower(name || printf(' n%d', i)), 'Lead', '{}', '[]', 'api', 1, at, at, at FROM c`,
    )
      .bind(mixed.workspaceId)
      .run();
    const expected = (
      await env.DB.prepare(
        "SELECT id, created_at FROM contacts WHERE workspace_id = ? AND first_name = 'Mixed' ORDER BY created_at DESC, id DESC",
      )
        .bind(mixed.workspaceId)
        .all<{ id: string; created_at: string }>()
    ).results;
    expect(expected.length).toBe(1105);
    for (const descending of [true, false]) {
      const order = descending ? expected : [...expected].reverse();
      // What the window plan finds is always the start of the true page, and a full page is the page
      // (a short one sends the list to the count's plan).
      for (const start of [0, 3, 5, 200, 1090]) {
        const after = start === 0 ? undefined : ([order[start - 1]!.created_at, order[start - 1]!.id] as [string, string]);
        const page = { scope: "contacts?q=mixed", limit: 25, page: 1, offset: 0, after };
        const { rows } = builtListStatements(
          mixed.workspaceId,
          { q: "mixed", sort: descending ? "-created_at" : "created_at" },
          page,
          "window",
        );
        const { sql, params } = rows;
        const found = (
          await env.DB.prepare(sql)
            .bind(...params)
            .all<{ id: string }>()
        ).results.map((r) => r.id);
        const label = `${descending ? "newest" : "oldest"} first from ${start}`;
        expect(found, label).toEqual(order.slice(start, start + found.length).map((r) => r.id));
        if (descending && start === 0) expect(found.length, label).toBe(5);
      }
    }
    // Through the API, whichever plan it picks: the true pages.
    const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((c) => c.id);
    const first = await call("GET", "/v1/contacts?q=mixed&limit=25", { key: mixed.key });
    expect(ids(first)).toEqual(expected.slice(0, 25).map((r) => r.id));
    expect(first.body.pagination).toMatchObject({ total: 1000, total_exact: false });
    const second = await call("GET", `/v1/contacts?cursor=${first.body.pagination.next_cursor}`, { key: mixed.key });
    expect(ids(second)).toEqual(expected.slice(25, 50).map((r) => r.id));
  });

  it("a cursor walk visits every contact exactly once while contacts are being added", async () => {
    const walk = await newWorkspace("business");
    const batch = (from: number, n: number) =>
      call("POST", "/v1/contacts/batch", {
        key: walk.key,
        body: { contacts: Array.from({ length: n }, (_, i) => ({ first_name: `W${from + i}` })) },
      });
    for (let i = 0; i < 3; i++) await batch(i * 100, 100);
    const before = new Set<string>();
    for (const sort of ["-created_at", "name"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let added = 0;
      do {
        const query: string = cursor ? `cursor=${encodeURIComponent(cursor)}&limit=17` : `limit=17&sort=${sort}`;
        const page = await call("GET", `/v1/contacts?${query}`, { key: walk.key });
        expect(page.status).toBe(200);
        seen.push(...page.body.data.map((c: { first_name: string }) => c.first_name));
        cursor = page.body.pagination.next_cursor;
        if (added < 3) {
          await batch(1000 + added * 10 + (sort === "name" ? 500 : 0), 5);
          added++;
        }
      } while (cursor);
      const original = Array.from({ length: 300 }, (_, i) => `W${i}`);
      expect(new Set(seen).size).toBe(seen.length);
      for (const name of original) expect(seen).toContain(name);
      before.add(sort);
    }
    expect(before.size).toBe(2);
  });
});
