import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { formToken } from "../src/public/lead-form";
import { newScan } from "../src/scans/scans.data";
import { BASE, call, expectError, newWorkspace, PHONE_UA, scansSettled, type Tenant, visit } from "./helpers";

const DAY_MS = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number, from = today()) => new Date(Date.parse(`${from}T00:00:00.000Z`) - n * DAY_MS).toISOString().slice(0, 10);

const IPAD =
  "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

let owner: Tenant;
let seq = 0;

beforeAll(async () => {
  owner = await newWorkspace("business");
});

async function newCard() {
  const res = await call("POST", "/v1/profiles", {
    key: owner.key,
    body: { handle: `stats-${Date.now() % 1e6}-${++seq}`, name: "Ada Lovelace" },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; handle: string };
}

const counter = (profileId: string) => env.SCAN_COUNTER.get(env.SCAN_COUNTER.idFromName(profileId));

/** A day of `by_day`: zeros unless given. */
const day = (date: string, counts: Partial<Record<"total" | "qr_scan" | "web" | "mcp" | "leads", number>> = {}) => ({
  date,
  ...{ total: 0, qr_scan: 0, web: 0, mcp: 0, leads: 0 },
  ...counts,
});

/** Sends the card's lead form as a browser in `country` would. */
async function shareDetails(handle: string, userAgent: string, country: string) {
  const form = {
    csrf: await formToken(env.WEBHOOK_SECRET_KEYS, handle),
    via: "qr",
    website: "",
    name: `Visitor ${++seq}`,
    email: `visitor-${seq}@example.com`,
    consent: "yes",
  };
  const res = await exports.default.fetch(
    new Request(`${BASE}/p/${handle}/connect`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": userAgent },
      body: new URLSearchParams(form).toString(),
      redirect: "manual",
      cf: { country },
    }),
  );
  expect(res.status).toBe(303);
}

describe("GET /v1/profiles/{id}/stats", () => {
  it("answers totals, leads, the range's countries and devices, and every day with its sources and leads", async () => {
    const card = await newCard();
    // Visits of the public pages: country from Cloudflare, device from the user agent.
    await visit(`/q/${card.handle}`, { "user-agent": PHONE_UA }, { country: "DE" });
    await visit(`/q/${card.handle}`, { "user-agent": PHONE_UA }, { country: "DE" });
    await visit(`/p/${card.handle}`, { "user-agent": IPAD }, { country: "FR" });
    await visit(`/p/${card.handle}`, { "user-agent": MAC }, { country: "T1" });
    await visit(`/p/${card.handle}`, { "user-agent": "curl/8.5.0" }, { country: "US" }); // a script: not a scan
    // A scan recorded through the API, with the origin its caller knows.
    const recorded = await call("POST", "/v1/contacts/scans", {
      key: owner.key,
      body: { profile_id: card.id, source: "mcp", country: "US", device: "desktop" },
    });
    expect(recorded.body).toMatchObject({ country: "US", device: "desktop", counts: { total: 5, qr_scan: 2, web: 2, mcp: 1 } });
    // Earlier days, as the object kept them.
    const scanOn = (date: string, source: "qr_scan" | "web", country: string) => ({
      ...newScan(card.id, source, { origin: { country, device: "mobile" } }),
      scanned_at: `${date}T12:00:00.000Z`,
    });
    await counter(card.id).record([
      scanOn(daysAgo(1), "qr_scan", "DE"),
      scanOn(daysAgo(29), "web", "JP"),
      scanOn(daysAgo(30), "web", "BR"),
    ]);
    await shareDetails(card.handle, MAC, "GB");
    await scansSettled(card.id);

    const res = await call("GET", `/v1/profiles/${card.id}/stats`, { key: owner.key });
    expect(res.status, res.text).toBe(200);
    const days = Array.from({ length: 30 }, (_, i) => daysAgo(29 - i));
    const expected = new Map(days.map((date) => [date, day(date)]));
    expected.set(daysAgo(29), day(daysAgo(29), { total: 1, web: 1 }));
    expected.set(daysAgo(1), day(daysAgo(1), { total: 1, qr_scan: 1 }));
    expected.set(today(), day(today(), { total: 5, qr_scan: 2, web: 2, mcp: 1, leads: 1 }));
    expect(res.body).toEqual({
      total: 8,
      leads: 1,
      by_source: { qr_scan: 3, web: 4, mcp: 1 },
      // BR's scan is 30 days ago: before the range.
      by_country: { DE: 3, FR: 1, JP: 1, US: 1, XX: 1 },
      by_device: { mobile: 4, tablet: 1, desktop: 2, other: 0 },
      by_day: [...expected.values()],
    });
    expect(Object.keys(res.body.by_country)).toEqual(["DE", "FR", "JP", "US", "XX"]);

    // The same scans, listed, with their origins.
    const listed = await call("GET", `/v1/contacts/scans?profile_id=${card.id}&limit=100`, { key: owner.key });
    const origins = listed.body.data.map(
      (s: { source: string; country: string; device: string }) => `${s.source} ${s.country} ${s.device}`,
    );
    expect(origins.sort()).toEqual(
      [
        "mcp US desktop",
        "qr_scan DE mobile",
        "qr_scan DE mobile",
        "qr_scan DE mobile",
        "web BR mobile",
        "web FR tablet",
        "web JP mobile",
        "web XX desktop",
      ].sort(),
    );

    // A range of its own: one day, and the one 30 days ago.
    const oneDay = await call("GET", `/v1/profiles/${card.id}/stats?from=${daysAgo(30)}&to=${daysAgo(30)}`, { key: owner.key });
    expect(oneDay.body).toEqual({
      ...res.body,
      by_country: { BR: 1 },
      by_device: { mobile: 1, tablet: 0, desktop: 0, other: 0 },
      by_day: [day(daysAgo(30), { total: 1, web: 1 })],
    });
  });

  it("covers the 30 days ending today unless told, the 30 ending `to`, from `from` to today, or up to 366 days", async () => {
    const card = await newCard();
    const datesOf = async (query: string) => {
      const res = await call("GET", `/v1/profiles/${card.id}/stats${query}`, { key: owner.key });
      expect(res.status, res.text).toBe(200);
      const dates = res.body.by_day.map((d: { date: string }) => d.date);
      return [dates.length, dates[0], dates.at(-1)];
    };
    expect(await datesOf("")).toEqual([30, daysAgo(29), today()]);
    expect(await datesOf("?to=2024-03-01")).toEqual([30, "2024-02-01", "2024-03-01"]);
    expect(await datesOf(`?from=${daysAgo(6)}`)).toEqual([7, daysAgo(6), today()]);
    expect(await datesOf("?from=2024-02-29&to=2024-02-29")).toEqual([1, "2024-02-29", "2024-02-29"]);
    expect(await datesOf("?from=2024-01-01&to=2024-12-31")).toEqual([366, "2024-01-01", "2024-12-31"]);
    expect(await datesOf(`?from=${daysAgo(365)}`)).toEqual([366, daysAgo(365), today()]);
  });

  const BAD_QUERIES: [string, () => string, string, string][] = [
    ["a month 13", () => "from=2026-13-01", "from", "must be a date (YYYY-MM-DD)"],
    ["a day that does not exist", () => "to=2026-02-29", "to", "must be a date (YYYY-MM-DD)"],
    ["a word", () => "to=yesterday", "to", "must be a date (YYYY-MM-DD)"],
    ["no leading zeros", () => "from=2026-1-5", "from", "must be a date (YYYY-MM-DD)"],
    ["a timestamp", () => "from=2026-11-02T00:00:00Z", "from", "must be a date (YYYY-MM-DD)"],
    ["empty", () => "from=", "from", "must be a date (YYYY-MM-DD)"],
    ["from after to", () => "from=2026-11-03&to=2026-11-02", "from", "must not be after to"],
    ["from after today, no to", () => `from=${daysAgo(-1)}`, "from", "must not be after to"],
    ["367 days", () => "from=2025-11-01&to=2026-11-02", "from", "must be at most 366 days before to"],
    ["367 days up to today", () => `from=${daysAgo(366)}`, "from", "must be at most 366 days before to"],
    ["an unknown parameter", () => "days=7", "days", "is not a known field"],
    ["from twice", () => "from=2026-11-01&from=2026-11-02", "from", "must be a string"],
  ];

  it.each(BAD_QUERIES)("refuses %s with 400", async (_name, query, field, message) => {
    const card = await newCard();
    const res = await call("GET", `/v1/profiles/${card.id}/stats?${query()}`, { key: owner.key });
    expect(expectError(res, 400, "validation_failed", `${field} ${message}`).details).toEqual([{ field, message }]);
  });
});

describe("scan origins", () => {
  it("POST /v1/contacts/scans takes country and device from the body, unknown by default, and refuses bad ones", async () => {
    const card = await newCard();
    const scan = (extra: Record<string, unknown>) =>
      call("POST", "/v1/contacts/scans", { key: owner.key, body: { profile_id: card.id, source: "web", ...extra } });
    expect((await scan({})).body).toMatchObject({ country: "XX", device: "other" });
    expect((await scan({ country: "NZ", device: "tablet" })).body).toMatchObject({ country: "NZ", device: "tablet" });
    for (const [extra, message] of [
      [{ country: "nz" }, "country must be an ISO 3166-1 alpha-2 country code in capitals, or XX"],
      [{ country: "T1" }, "country must be an ISO 3166-1 alpha-2 country code in capitals, or XX"],
      [{ country: "NZL" }, "country must be an ISO 3166-1 alpha-2 country code in capitals, or XX"],
      [{ country: null }, "country must be a string"],
      [{ device: "phone" }, "device must be one of mobile, tablet, desktop, other"],
    ] as const) {
      expectError(await scan(extra), 400, "validation_failed", message);
    }
    expect((await counter(card.id).counts()).total).toBe(2);
  });
});
