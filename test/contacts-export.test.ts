import { env, exports } from "cloudflare:workers";
import { parse } from "csv-parse/sync";
import { beforeEach, describe, expect, it } from "vitest";
import type { ContactFilters } from "../src/contacts/contacts.search";
import { exportStream, exportWriter } from "../src/contacts/contacts-export";
import { walkContacts } from "../src/contacts/contacts-lists.data";
import { Db } from "../src/lib/db/runner";
import { BASE, call, expectError, newWorkspace, type Tenant } from "./helpers";

/**
 * `GET /v1/contacts/export`: every match of the list's filters as one streamed file (CSV, vCard,
 * NDJSON), read back with the parsers a user would use.
 */

let t: Tenant;
beforeEach(async () => {
  t = await newWorkspace("business");
});

/** The export's answer with its body as the bytes came (`Response.text()` would drop the byte order mark). */
async function download(query: string) {
  const res = await exports.default.fetch(new Request(`${BASE}/v1/contacts/export?${query}`, { headers: { "x-api-key": t.key } }));
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    text: new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes),
  };
}

const today = () => new Date().toISOString().slice(0, 10);

async function create(body: Record<string, unknown>) {
  const res = await call("POST", "/v1/contacts", { key: t.key, body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Every contact the list answers for `query`, walked by cursor: what an export of the same query must hold, in order. */
async function listed(query = "") {
  const all: any[] = [];
  let cursor: string | null = null;
  do {
    const res: any = await call("GET", `/v1/contacts?limit=100${query}${cursor ? `&cursor=${cursor}` : ""}`, { key: t.key });
    expect(res.status, res.text).toBe(200);
    all.push(...res.body.data);
    cursor = res.body.pagination.next_cursor;
  } while (cursor);
  return all;
}

const CSV_HEADER = [
  "id",
  "first_name",
  "last_name",
  "name",
  "email",
  "phone",
  "job_title",
  "company",
  "location",
  "linkedin_url",
  "photo_url",
  "stage",
  "notes",
  "tags",
  "site_id",
  "site_title",
  "source",
  "profile_id",
  "captured_by_profile_id",
  "consent_at",
  "created_at",
  "updated_at",
  "saved_at",
];

describe("CSV", () => {
  it("streams every contact with a header of the API's names, tags joined by ';', custom.{key} columns and formula cells neutralised", async () => {
    const ada = await create({
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@x.example",
      tags: ["vip", "speaker"],
      custom_fields: { tier: "gold", seats: 3 },
    });
    const cmd = await create({
      first_name: "=cmd|' /C calc'!A0",
      company: "@SUM(A1)",
      phone: "+1 555 0100",
      notes: 'a,"b"\r\nc',
      custom_fields: { ref: "-2+3" },
    });
    const res = await download("format=csv");
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="contacts-${today()}.csv"`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.text.startsWith("\ufeffid,first_name,")).toBe(true);
    expect(res.text.endsWith("\r\n")).toBe(true);

    const [header, ...rows] = parse(res.text, { bom: true }) as string[][];
    expect(header).toEqual([...CSV_HEADER, "custom.ref", "custom.seats", "custom.tier"]);
    const cells = (contact: any) => Object.fromEntries(header!.map((name, i) => [name, contact[i]]));
    // Newest first, as the list sorts by default.
    expect(rows.map(cells)).toEqual([
      {
        ...Object.fromEntries(CSV_HEADER.map((name) => [name, cmd[name] === null || cmd[name] === undefined ? "" : String(cmd[name])])),
        first_name: "'=cmd|' /C calc'!A0",
        name: "'=cmd|' /C calc'!A0",
        company: "'@SUM(A1)",
        phone: "'+1 555 0100",
        notes: 'a,"b"\r\nc',
        tags: "",
        site_id: "",
        site_title: "",
        "custom.ref": "'-2+3",
        "custom.seats": "",
        "custom.tier": "",
      },
      {
        ...Object.fromEntries(CSV_HEADER.map((name) => [name, ada[name] === null || ada[name] === undefined ? "" : String(ada[name])])),
        tags: "vip;speaker",
        site_id: "",
        site_title: "",
        "custom.ref": "",
        "custom.seats": "3",
        "custom.tier": "gold",
      },
    ]);
  });

  it("has the header row alone when nothing matches", async () => {
    await create({ first_name: "Ada" });
    const res = await download("tags=nobody");
    expect(res.status).toBe(200);
    expect(res.text).toBe(`\ufeff${CSV_HEADER.join(",")}\r\n`);
  });

  it("takes the list's filters, search and sort, and holds exactly what the list walks, in its order", async () => {
    for (let i = 0; i < 12; i++) {
      await create({
        first_name: `P${String(i).padStart(2, "0")}`,
        company: i % 3 === 0 ? "Acme" : "Other",
        tags: i % 2 ? ["odd"] : ["even"],
      });
    }
    for (const query of [
      "",
      "&tags=odd",
      "&q=acme",
      "&sort=name",
      "&sort=-name&tags=even",
      "&created_after=2000-01-01T00:00:00Z&sort=created_at",
    ]) {
      const res = await call("GET", `/v1/contacts/export?format=csv${query}`, { key: t.key });
      expect(res.status, res.text).toBe(200);
      const ids = (parse(res.text, { bom: true, columns: true }) as { id: string }[]).map((r) => r.id);
      expect(ids, query).toEqual((await listed(query)).map((c) => c.id));
    }
  });
});

describe("vCard and NDJSON", () => {
  it("writes one vCard 3.0 per contact, each as /contacts/{id}/vcard writes it", async () => {
    const a = await create({ first_name: "Ada", last_name: "Lovelace", tags: ["vip"], notes: "a; b, c" });
    const b = await create({ first_name: "Grace", email: "grace@x.example", tags: ["vip"] });
    await create({ first_name: "Not exported" });
    const res = await call("GET", "/v1/contacts/export?format=vcf&tags=vip", { key: t.key });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/vcard; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="contacts-${today()}.vcf"`);
    const cards = await Promise.all([b, a].map(async (c) => (await call("GET", `/v1/contacts/${c.id}/vcard`, { key: t.key })).text));
    expect(res.text).toBe(cards.join(""));
    expect(res.text.match(/^BEGIN:VCARD\r\nVERSION:3\.0\r\n/gm)).toHaveLength(2);
  });

  it("writes one contact representation a line as NDJSON", async () => {
    const a = await create({ first_name: "Ada", custom_fields: { tier: "gold" } });
    const b = await create({ first_name: "Grace" });
    const res = await download("format=ndjson");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="contacts-${today()}.ndjson"`);
    expect(res.text.split("\n").map((line) => (line ? JSON.parse(line) : line))).toEqual([b, a, ""]);
  });
});

describe("bad input changes nothing and answers 400", () => {
  it.each([
    ["an unknown format", "format=xlsx", "format"],
    ["a page", "page=2", "page"],
    ["a limit", "limit=10", "limit"],
    ["a cursor", "cursor=abc", "cursor"],
    ["an unknown parameter", "colour=red", "colour"],
    ["a bad filter", "created_after=yesterday", "created_after"],
    ["an unknown sort", "sort=email", "sort"],
    ["an empty tag list", "tags=,", "tags"],
  ])("%s", async (_name, query, field) => {
    await create({ first_name: "Ada" });
    const before = await listed();
    const body = expectError(await call("GET", `/v1/contacts/export?${query}`, { key: t.key }), 400, "validation_failed");
    expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await listed()).toEqual(before);
  });
});

describe("streaming", () => {
  const db = () => new Db(env.DB);
  const walked = async (filters: ContactFilters, pageSize: number) => {
    const pages: string[][] = [];
    for await (const page of walkContacts(db(), t.workspaceId, filters, pageSize)) pages.push(page.map((json) => JSON.parse(json).id));
    return pages;
  };

  it("walks every match a keyset page at a time, in the list's order, whatever the plan", async () => {
    for (let i = 0; i < 7; i++) await create({ first_name: `W${i}`, company: "Acme", tags: i < 5 ? ["t"] : [] });
    const cases: [ContactFilters, string][] = [
      [{}, ""],
      [{ tags: ["t"] }, "&tags=t"],
      [{ q: "acme" }, "&q=acme"],
      [{ sort: "name" }, "&sort=name"],
      [{ tags: ["t"], sort: "-name" }, "&tags=t&sort=-name"],
    ];
    for (const [filters, query] of cases) {
      const pages = await walked(filters, 2);
      const expected = (await listed(query)).map((c) => c.id);
      expect(pages.flat(), query).toEqual(expected);
      expect(
        pages.every((p) => p.length <= 2),
        query,
      ).toBe(true);
    }
  });

  it("reads the next page only when the reader asks for more (memory holds one page)", async () => {
    let asked = 0;
    const pages = (async function* () {
      for (let i = 1; i <= 1000; i++) {
        asked++;
        yield [JSON.stringify({ n: i })];
      }
    })();
    const first = await pages.next();
    const reader = exportStream(exportWriter("ndjson"), first, pages, () => {}).getReader();
    const decoder = new TextDecoder();
    expect(decoder.decode((await reader.read()).value)).toBe('{"n":1}\n');
    expect(decoder.decode((await reader.read()).value)).toBe('{"n":2}\n');
    expect(asked).toBe(2);
    await reader.cancel();
    expect(await pages.next()).toEqual({ done: true, value: undefined });
  });

  it("aborts the transfer when a later page fails, so a cut-off file never looks whole", async () => {
    const failures: unknown[] = [];
    const pages = (async function* () {
      yield [JSON.stringify({ n: 1 })];
      throw new Error("D1 went away");
    })();
    const first = await pages.next();
    const reader = exportStream(exportWriter("ndjson"), first, pages, (e) => failures.push(e)).getReader();
    await reader.read();
    await expect(reader.read()).rejects.toThrow("D1 went away");
    expect(failures).toHaveLength(1);
  });
});
