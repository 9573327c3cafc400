import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import jsQR from "jsqr";
import { beforeEach, describe, expect, it } from "vitest";
import { BASE, call, expectError, ISO_MS, newWorkspace, scansSettled, type Tenant, UUID, visit } from "./helpers";

const PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1";
let owner: Tenant;
let seq = 0;

const ADA = {
  name: "Ada Lovelace",
  title: "Mathematician",
  company: "Analytical Engines",
  location: "London, UK",
  email: "ada@engines.example",
  phone: "+44 20 7946 0000",
  website: "https://ada.example",
  photo_url: "https://img.example/ada.png",
  bio: "Wrote the first program; notes, engines & more.",
};

async function newProfile(tenant: Tenant, extra: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/profiles", {
    key: tenant.key,
    body: { handle: `ada-${++seq}-${Date.now() % 100000}`, ...ADA, ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

beforeEach(async () => {
  owner = await newWorkspace("business");
});

describe("profiles", () => {
  it("creates, reads, lists, changes and deletes a profile", async () => {
    const created = await call("POST", "/v1/profiles", {
      key: owner.key,
      body: { handle: "Grace-H", name: "Grace Hopper", photoUrl: "https://img.example/g.png" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      handle: "grace-h",
      name: "Grace Hopper",
      title: null,
      company: null,
      location: null,
      photo_url: "https://img.example/g.png",
      email: null,
      phone: null,
      website: null,
      bio: null,
      public: true,
      lead_capture: "on",
      created_at: expect.stringMatching(ISO_MS),
      updated_at: expect.stringMatching(ISO_MS),
    });
    expect((await call("GET", `/v1/profiles/${created.body.id}`, { key: owner.key })).body).toEqual(created.body);
    const list = await call("GET", "/v1/profiles", { key: owner.key });
    expect(list.body).toEqual({ data: [created.body], pagination: { page: 1, limit: 25, total: 1, total_exact: true, next_cursor: null } });
    const changed = await call("PATCH", `/v1/profiles/${created.body.id}`, {
      key: owner.key,
      body: { title: "Rear Admiral", public: false },
    });
    expect(changed.body).toEqual({ ...created.body, title: "Rear Admiral", public: false, updated_at: changed.body.updated_at });
    const removed = await call("DELETE", `/v1/profiles/${created.body.id}`, { key: owner.key });
    expect(removed.body).toEqual({ success: true, id: created.body.id });
    expectError(await call("GET", `/v1/profiles/${created.body.id}`, { key: owner.key }), 404, "not_found", "Profile not found");
  });

  it("keeps handles unique across workspaces, refuses bad ones, and old handles keep redirecting", async () => {
    const p = await newProfile(owner, { handle: "unique-one" });
    const other = await newWorkspace();
    expectError(
      await call("POST", "/v1/profiles", { key: other.key, body: { handle: "unique-one", name: "X" } }),
      409,
      "conflict",
      "This handle is already taken",
    );
    expectError(
      await call("POST", "/v1/profiles", { key: other.key, body: { handle: "no", name: "X" } }),
      400,
      "validation_failed",
      "handle must be 3–40 characters of a-z, 0-9 and -",
    );
    expectError(
      await call("POST", "/v1/profiles", { key: other.key, body: { handle: "bad_handle!", name: "X" } }),
      400,
      "validation_failed",
      /handle must be/,
    );
    const renamed = await call("PATCH", `/v1/profiles/${p.id}`, { key: owner.key, body: { handle: "unique-two" } });
    expect(renamed.body.handle).toBe("unique-two");
    const old = await call("GET", "/p/unique-one", { headers: { "user-agent": PHONE_UA } });
    expect(old.status).toBe(301);
    expect(old.headers.get("location")).toBe("/p/unique-two");
    const oldQr = await call("GET", "/q/unique-one", { headers: { "user-agent": PHONE_UA } });
    expect(oldQr.status).toBe(302);
    expect(oldQr.headers.get("location")).toBe("/p/unique-two?via=qr");
    expectError(await call("POST", "/v1/profiles", { key: other.key, body: { handle: "unique-one", name: "X" } }), 409, "conflict");
    const back = await call("PATCH", `/v1/profiles/${p.id}`, { key: owner.key, body: { handle: "unique-one" } });
    expect(back.body.handle).toBe("unique-one");
  });

  it("a public profile can be read by any workspace; changes, stats and QR only by its owner", async () => {
    const p = await newProfile(owner);
    const other = await newWorkspace();
    expect((await call("GET", `/v1/profiles/${p.id}`, { key: other.key })).body).toEqual(p);
    for (const [method, path, body] of [
      ["PATCH", `/v1/profiles/${p.id}`, { name: "Stolen" }],
      ["DELETE", `/v1/profiles/${p.id}`],
      ["GET", `/v1/profiles/${p.id}/stats`],
      ["GET", `/v1/profiles/${p.id}/qr.svg`],
    ] as const) {
      expectError(await call(method, path, { key: other.key, body }), 404, "not_found", "Profile not found");
    }
    const hidden = await newProfile(owner, { public: false });
    expectError(await call("GET", `/v1/profiles/${hidden.id}`, { key: other.key }), 404, "not_found", "Profile not found");
    expect((await call("GET", "/v1/profiles", { key: other.key })).body.data).toEqual([]);
  });
});

describe("saving a contact from a profile", () => {
  it("copies the profile, counts against the plan, and refuses a second save", async () => {
    const p = await newProfile(owner);
    const saver = await newWorkspace("free");
    const saved = await call("POST", "/api/v1/contacts", { key: saver.key, body: { profileId: p.id, source: "qr_scan" } });
    expect(saved.status).toBe(201);
    expect(saved.body).toEqual({
      id: expect.stringMatching(UUID),
      first_name: "Ada",
      last_name: "Lovelace",
      name: "Ada Lovelace",
      email: ADA.email,
      phone: ADA.phone,
      job_title: ADA.title,
      company: ADA.company,
      location: ADA.location,
      linkedin_url: null,
      photo_url: ADA.photo_url,
      stage: "Lead",
      notes: null,
      custom_fields: {},
      tags: [],
      site: null,
      source: "qr_scan",
      profile_id: p.id,
      captured_by_profile_id: null,
      consent_at: null,
      created_at: saved.body.saved_at,
      updated_at: saved.body.saved_at,
      saved_at: expect.stringMatching(ISO_MS),
    });
    expect((await call("GET", "/api/v1/contacts/limits", { key: saver.key })).body).toEqual({
      plan: "free",
      limit: 100,
      used: 1,
      remaining: 99,
    });
    const again = await call("POST", "/v1/contacts", { key: saver.key, body: { profile_id: p.id, source: "web" } });
    expect(expectError(again, 409, "duplicate_contact").existing_id).toBe(saved.body.id);
    const filtered = await call("GET", `/v1/contacts?profile_id=${p.id}&source=qr_scan`, { key: saver.key });
    expect(filtered.body.data.map((c: { id: string }) => c.id)).toEqual([saved.body.id]);
  });

  it("lets explicit fields override the profile's", async () => {
    const p = await newProfile(owner);
    const res = await call("POST", "/v1/contacts", {
      key: (await newWorkspace()).key,
      body: { profile_id: p.id, source: "web", company: "Own note", tags: ["met"] },
    });
    expect(res.body).toMatchObject({ company: "Own note", tags: ["met"], job_title: ADA.title, profile_id: p.id, source: "web" });
  });

  it("answers 404 for a private or unknown profile, and changes nothing", async () => {
    const hidden = await newProfile(owner, { public: false });
    const saver = await newWorkspace();
    expectError(
      await call("POST", "/v1/contacts", { key: saver.key, body: { profile_id: hidden.id, source: "web" } }),
      404,
      "not_found",
      "Profile not found",
    );
    expectError(
      await call("POST", "/v1/contacts", { key: saver.key, body: { profile_id: "7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6" } }),
      404,
      "not_found",
      "Profile not found",
    );
    expect((await call("GET", "/v1/contacts/limits", { key: saver.key })).body.used).toBe(0);
  });

  it("contacts saved from a deleted profile stay, with profile_id kept", async () => {
    const p = await newProfile(owner);
    const saver = await newWorkspace();
    const saved = await call("POST", "/v1/contacts", { key: saver.key, body: { profile_id: p.id, source: "mcp" } });
    await call("DELETE", `/v1/profiles/${p.id}`, { key: owner.key });
    expect((await call("GET", `/v1/contacts/${saved.body.id}`, { key: saver.key })).body.profile_id).toBe(p.id);
  });
});

describe("scans", () => {
  it("records scans with exact counts at once, listed to the owner only within 2 s, and in stats and analytics", async () => {
    const p = await newProfile(owner);
    const scanner = await newWorkspace();
    const first = await call("POST", "/v1/contacts/scans", {
      key: scanner.key,
      body: { profileId: p.id, source: "qr_scan", referrer: "https://summit.example/agenda?day=1", country: "PT", device: "mobile" },
    });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(UUID),
      profile_id: p.id,
      source: "qr_scan",
      referrer: "summit.example",
      country: "PT",
      device: "mobile",
      scanned_at: expect.stringMatching(ISO_MS),
      counts: { total: 1, qr_scan: 1, web: 0, mcp: 0 },
    });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call("POST", "/v1/contacts/scans", { key: owner.key, body: { profile_id: p.id, source: i % 2 ? "web" : "mcp" } }),
      ),
    );
    await scansSettled(p.id);
    const recent = await call("GET", "/v1/contacts/scans?limit=5", { key: owner.key });
    expect(recent.body.data).toHaveLength(5);
    expect(recent.body.pagination).toMatchObject({ page: 1, limit: 5, total: 21, total_exact: true });
    const times = recent.body.data.map((s: { scanned_at: string }) => s.scanned_at);
    expect([...times].sort().reverse()).toEqual(times);
    const qrOnly = await call("GET", `/v1/contacts/scans?source=qr_scan&profile_id=${p.id}`, { key: owner.key });
    expect(qrOnly.body.data).toEqual([
      {
        id: first.body.id,
        profile_id: p.id,
        source: "qr_scan",
        referrer: "summit.example",
        country: "PT",
        device: "mobile",
        scanned_at: first.body.scanned_at,
      },
    ]);
    expect((await call("GET", "/v1/contacts/scans", { key: scanner.key })).body.data).toEqual([]);
    const stats = await call("GET", `/v1/profiles/${p.id}/stats`, { key: owner.key });
    expect(stats.body).toMatchObject({
      total: 21,
      leads: 0,
      by_source: { qr_scan: 1, web: 10, mcp: 10 },
      by_country: { XX: 20, PT: 1 },
      by_device: { mobile: 1, tablet: 0, desktop: 0, other: 20 },
    });
    expect(stats.body.by_day.at(-1)).toEqual({
      date: new Date().toISOString().slice(0, 10),
      total: 21,
      qr_scan: 1,
      web: 10,
      mcp: 10,
      leads: 0,
    });
    await call("POST", "/v1/contacts", { key: owner.key, body: { first_name: "Api" } });
    const analytics = await call("GET", "/v1/analytics/sources", { key: owner.key });
    expect(analytics.body).toEqual({
      contacts: { qr_scan: 0, web: 0, mcp: 0, api: 1, import: 0 },
      scans: { qr_scan: 1, web: 10, mcp: 10 },
      leads: 0,
    });
  });

  it("refuses private or unknown profiles and bad bodies", async () => {
    const hidden = await newProfile(owner, { public: false });
    const other = await newWorkspace();
    expectError(
      await call("POST", "/v1/contacts/scans", { key: other.key, body: { profile_id: hidden.id, source: "web" } }),
      404,
      "not_found",
      "Profile not found",
    );
    expectError(
      await call("POST", "/v1/contacts/scans", { key: other.key, body: { profile_id: hidden.id, source: "api" } }),
      400,
      "validation_failed",
      "source must be one of qr_scan, web, mcp",
    );
    expectError(
      await call("POST", "/v1/contacts/scans", { key: other.key, body: { profile_id: hidden.id, source: "web", ip: "1.2.3.4" } }),
      400,
      "validation_failed",
      "ip is not a known field",
    );
  });

  it("deleting a profile deletes its scans and counts", async () => {
    const p = await newProfile(owner);
    await call("POST", "/v1/contacts/scans", { key: owner.key, body: { profile_id: p.id, source: "web" } });
    await call("DELETE", `/v1/profiles/${p.id}`, { key: owner.key });
    expect((await call("GET", "/v1/contacts/scans", { key: owner.key })).body.data).toEqual([]);
    expect((await call("GET", "/v1/analytics/sources", { key: owner.key })).body.scans).toEqual({ qr_scan: 0, web: 0, mcp: 0 });
    expect(await env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(p.id)).counts()).toEqual({ total: 0, qr_scan: 0, web: 0, mcp: 0 });
  });
});

describe("public pages", () => {
  it("/q/{handle} records a qr_scan and redirects 302 to the card; crawlers are not counted", async () => {
    const p = await newProfile(owner);
    const res = await visit(`/q/${p.handle}`, { "user-agent": PHONE_UA, referer: "https://badge.example/x" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/p/${p.handle}?via=qr`);
    for (const ua of [
      "facebookexternalhit/1.1",
      "Slackbot-LinkExpanding 1.0",
      "WhatsApp/2.23",
      "Twitterbot/1.0",
      "LinkedInBot/1.0",
      "Mozilla/5.0 (compatible; Googlebot/2.1)",
      "Discordbot/2.0",
      "TelegramBot (like TwitterBot)",
      "",
    ]) {
      expect((await visit(`/q/${p.handle}`, { "user-agent": ua })).status).toBe(302);
      expect((await visit(`/p/${p.handle}`, { "user-agent": ua })).status).toBe(200);
    }
    await scansSettled(p.id);
    const scans = await call("GET", `/v1/contacts/scans?profile_id=${p.id}`, { key: owner.key });
    expect(scans.body.data).toEqual([
      {
        id: expect.any(String),
        profile_id: p.id,
        source: "qr_scan",
        referrer: "badge.example",
        country: "XX",
        device: "mobile",
        scanned_at: expect.stringMatching(ISO_MS),
      },
    ]);
  });

  it("/p/{handle} renders the card with Open Graph tags, a strict CSP and a Save contact link, and records a web scan", async () => {
    const p = await newProfile(owner);
    const res = await visit(`/p/${p.handle}`, { "user-agent": PHONE_UA });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toMatch(
      /^default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; img-src https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'$/,
    );
    expect(res.text.startsWith("<!doctype html>")).toBe(true);
    expect(res.text).toContain(`<meta property="og:title" content="Ada Lovelace"/>`);
    expect(res.text).toContain(`<meta property="og:url" content="${BASE}/p/${p.handle}"/>`);
    expect(res.text).toContain(`<a class="save" href="/p/${p.handle}.vcf"`);
    expect(res.text).toContain("Save contact");
    expect(res.text).toContain(`<img src="https://img.example/ada.png" alt="Photo of Ada Lovelace"/>`);
    // The stylesheet as written: escaped quotes would make browsers drop the font rule.
    expect(res.text).toContain(`font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;`);
    expect(res.text.slice(res.text.indexOf("<style"), res.text.indexOf("</style>"))).not.toMatch(/&(?:quot|#39|amp|lt|gt);/);
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!img\.example|ada\.example|cardbox\.test)[a-z]/);
    await scansSettled(p.id);
    const scans = await call("GET", `/v1/contacts/scans?profile_id=${p.id}`, { key: owner.key });
    expect(scans.body.data.map((s: { source: string }) => s.source)).toEqual(["web"]);
  });

  it.each([
    ["Ada King Lovelace", "AL"],
    ["Cher", "C"],
    ["  grace   hopper ", "GH"],
    ["Анна Аркадьевна Каренина", "АК"],
    ["Σωκράτης", "Σ"],
    ["李 小龙", "李小"],
    ["\u00c9mile Zola", "\u00c9Z"],
    ["E\u0301mile Zola", "E\u0301Z"],
  ])("/p/{handle} without a photo shows the initials of %j's first and last word: %j", async (name, letters) => {
    const p = await newProfile(owner, { name, photo_url: null });
    const res = await call("GET", `/p/${p.handle}`, { headers: { "user-agent": PHONE_UA } });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain("<img");
    expect(res.text).toContain(`<div class="avatar"><span aria-hidden="true">${letters}</span></div>`);
  });

  it("unknown and private cards are a small HTML 404 page", async () => {
    const hidden = await newProfile(owner, { public: false });
    for (const path of [
      "/q/nobody-here",
      "/p/nobody-here",
      "/p/nobody-here.vcf",
      `/p/${hidden.handle}`,
      `/q/${hidden.handle}`,
      "/p/Bad_Handle!",
    ]) {
      const res = await call("GET", path, { headers: { "user-agent": PHONE_UA } });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.text).toContain("Card not found");
    }
    expect((await call("GET", `/v1/contacts/scans?profile_id=${hidden.id}`, { key: owner.key })).body.data).toEqual([]);
  });

  it("/p/{handle}.vcf is a vCard 3.0 that a vCard parser reads back", async () => {
    const p = await newProfile(owner, { name: "Ada King Lovelace", bio: "Notes; engines, and \\ more.\nSecond line" });
    const res = await call("GET", `/p/${p.handle}.vcf`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/vcard; charset=utf-8");
    for (const line of res.text.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const card = new ICAL.Component(ICAL.parse(res.text));
    expect(card.getFirstPropertyValue("version")).toBe("3.0");
    expect(card.getFirstPropertyValue("fn")).toBe("Ada King Lovelace");
    expect(card.getFirstPropertyValue("n")).toEqual(["Lovelace", "Ada King", "", "", ""]);
    expect(card.getFirstPropertyValue("org")).toBe("Analytical Engines");
    expect(card.getFirstPropertyValue("title")).toBe("Mathematician");
    expect(card.getFirstPropertyValue("email")).toBe("ada@engines.example");
    expect(card.getFirstPropertyValue("tel")).toBe("+44 20 7946 0000");
    expect(card.getAllProperties("url").map((u) => u.getFirstValue())).toEqual(["https://ada.example", `${BASE}/p/${p.handle}`]);
    expect(card.getFirstPropertyValue("photo")).toBe("https://img.example/ada.png");
    expect(card.getFirstPropertyValue("note")).toBe("Notes; engines, and \\ more.\nSecond line");
  });

  it("the QR code decodes to the landing URL", async () => {
    const p = await newProfile(owner);
    const res = await call("GET", `/v1/profiles/${p.id}/qr.svg`, { key: owner.key });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    const decoded = jsQR(...rasterize(res.text));
    expect(decoded?.data).toBe(`${BASE}/q/${p.handle}`);
  });
});

/** Paints the SVG's dark squares (`M x,y h w v h h -w z` paths and rects) into RGBA pixels for jsQR. */
function rasterize(svg: string): [Uint8ClampedArray, number, number] {
  const size = Number(/viewBox="0 0 (\d+) (\d+)"/.exec(svg)![1]);
  const pixels = new Uint8ClampedArray(size * size * 4).fill(255);
  const dark = /<path fill="black" d="([^"]+)"/.exec(svg)![1]!;
  for (const m of dark.matchAll(/M(\d+),(\d+)h(\d+)v(\d+)/g)) {
    const [x, y, w, h] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    for (let yy = y; yy < y + h; yy++) {
      for (let xx = x; xx < x + w; xx++) {
        const i = (yy * size + xx) * 4;
        pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
      }
    }
  }
  return [pixels, size, size];
}
