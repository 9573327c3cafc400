import { beforeAll, describe, expect, it } from "vitest";
import { call, newWorkspace, type Tenant } from "./helpers";

// Reads send the representation SQLite builds (CONTACT_JSON); writes send the one toContact()
// builds. They must be the same text, or an ETag from one would not match the other's If-Match.
const AWKWARD = [
  { first_name: "Ada", last_name: "Lovelace", email: "ada@engines.example", tags: ["vip", "math"] },
  { first_name: "Émile", last_name: "Zola", phone: "+33 1 23 45 67 89", company: "Écrivains & Cie", tags: ["écrivain", "日本"] },
  { name: "Cher" },
  { first_name: "Only" },
  { name: "Grace Brewster Hopper", notes: 'line one\nline two\ttabbed "quoted" back\\slash \u2028 separator 🚀' },
  {
    first_name: "Num",
    custom_fields: {
      int: 42,
      float: 1.5,
      negative: -0.25,
      big: 12345678901234,
      tiny: 0.000001,
      yes: true,
      no: false,
      none: null,
      text: 'say "hi"',
      emoji: "🎉",
    },
  },
  {
    first_name: "Site",
    stage: "Customer",
    linkedin_url: "https://www.linkedin.com/in/site",
    photo_url: "https://example.com/p.png",
    location: "Lisbon",
  },
  { first_name: "  Spaced  ", job_title: "Engineer / Writer", custom_fields: {} },
];

let t: Tenant;
let siteId: string;

beforeAll(async () => {
  t = await newWorkspace("business");
  siteId = (await call("POST", "/v1/sites", { key: t.key, body: { title: 'Web "Summit" — Lisbon' } })).body.id;
});

describe("a contact's representation", () => {
  it("reads as exactly the text, and the ETag, its create and its update answered", async () => {
    const created = [];
    for (const [i, input] of AWKWARD.entries()) {
      const res = await call("POST", "/v1/contacts", { key: t.key, body: i === 6 ? { ...input, site_id: siteId } : input });
      expect(res.status, res.text).toBe(201);
      created.push(res);
    }
    for (const res of created) {
      const read = await call("GET", `/v1/contacts/${res.body.id}`, { key: t.key });
      expect(read.status).toBe(200);
      expect(read.headers.get("content-type")).toBe("application/json");
      expect(read.text).toBe(res.text);
      expect(read.headers.get("etag")).toBe(res.headers.get("etag"));
    }
    // The list page carries the same text for each contact, newest first.
    const list = await call("GET", "/v1/contacts?limit=100", { key: t.key });
    expect(list.status).toBe(200);
    expect(
      list.text.startsWith(
        `{"data":[${created
          .map((r) => r.text)
          .reverse()
          .join(",")}],"pagination":{`,
      ),
    ).toBe(true);
    expect(list.body.pagination).toEqual({ page: 1, limit: 100, total: AWKWARD.length, total_exact: true, next_cursor: null });

    // After an update (its answer is toContact's), the read still matches it, and If-Match with the read's ETag works.
    const patched = await call("PATCH", `/v1/contacts/${created[4]!.body.id}`, { key: t.key, body: { company: 'Ünïcödé "Co"', tags: [] } });
    expect(patched.status).toBe(200);
    const again = await call("GET", `/v1/contacts/${created[4]!.body.id}`, { key: t.key });
    expect(again.text).toBe(patched.text);
    const guarded = await call("PATCH", `/v1/contacts/${created[4]!.body.id}`, {
      key: t.key,
      headers: { "if-match": again.headers.get("etag")! },
      body: { stage: "Qualified" },
    });
    expect(guarded.status).toBe(200);
    expect(guarded.body).toMatchObject({ stage: "Qualified", company: 'Ünïcödé "Co"', tags: [] });
  });

  it("a site's title follows the site: renamed, the contacts read the new title", async () => {
    const res = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Visitor", site_id: siteId } });
    expect((await call("PATCH", `/v1/sites/${siteId}`, { key: t.key, body: { title: "Renamed" } })).status).toBe(200);
    const read = await call("GET", `/v1/contacts/${res.body.id}`, { key: t.key });
    expect(read.body.site).toEqual({ id: siteId, title: "Renamed" });
    const page = await call("GET", `/v1/contacts?site_id=${siteId}`, { key: t.key });
    expect(page.body.data.map((c: { site: unknown }) => c.site)).toEqual([
      { id: siteId, title: "Renamed" },
      { id: siteId, title: "Renamed" },
    ]);
  });
});
