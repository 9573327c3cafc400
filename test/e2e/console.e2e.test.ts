import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { parse } from "csv-parse/sync";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import {
  accessibilityViolations,
  contactNames,
  legendOfLastDay,
  consoleContext as openContext,
  openPage,
  pageWidth,
  pixelsOf,
  type SIZES,
  signIn as signInAs,
  snapshot,
  tableRows,
} from "./console-browser";
import { apiClient, PHONE_CHROME, provision, type RunningServer, shareLead, startServer } from "./server";

/** The chart's colours, as web/src/pages/analytics.tsx draws each series. */
const COLORS = { qr_scan: "#1d4ed8", web: "#c2410c", mcp: "#0f766e", leads: "#15803d" } as const;
/** A UTC day `offset` days from today, as the API counts days. */
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
/** A day as the console writes it (en-US, the browser's locale in these tests). */
const shown = (date: string) => new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(date));
const regionName = new Intl.DisplayNames("en-US", { type: "region" });
/** Each count with its share of `total` as the tables show them. */
const withShares = (counts: Record<string, number>, total: number) =>
  Object.fromEntries(Object.entries(counts).map(([label, n]) => [label, [String(n), `${Math.round((100 * n) / total)}%`]]));

let server: RunningServer;
let key: string;
let api: ReturnType<typeof apiClient>;
let browser: Browser;
let receiver: Server;
let receiverUrl: string;

const consoleContext = (size: keyof typeof SIZES) => openContext(browser, server.base, size);
const signIn = (page: Page, apiKey: string) => signInAs(page, server.base, apiKey);

beforeAll(async () => {
  receiver = createServer((req, res) => req.resume().on("end", () => res.writeHead(200).end()));
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  server = await startServer();
  key = await provision(server.base);
  api = apiClient(server.base, key);
  for (const contact of [
    { first_name: "Ada", last_name: "Lovelace", company: "Analytical Engines", email: "ada@engines.example" },
    { first_name: "Alan", last_name: "Turing", company: "Bletchley Park", email: "alan@bletchley.example" },
    { first_name: "Katherine", last_name: "Johnson", company: "NASA", email: "kj@nasa.example" },
  ]) {
    expect((await api("POST", "/v1/contacts", contact)).status).toBe(201);
  }
  expect((await api("POST", "/v1/profiles", { handle: "booth", name: "Booth Card", public: true })).status).toBe(201);
  // Real scans, as a phone opening the card's QR code records them.
  for (let i = 0; i < 3; i++) {
    const scan = await fetch(`${server.base}/q/booth`, { headers: { "user-agent": PHONE_CHROME }, redirect: "manual" });
    expect(scan.status).toBe(302);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  receiver?.close();
});

describe("the console in Chromium", () => {
  let desktop: Awaited<ReturnType<typeof consoleContext>>;
  let page: Page;

  beforeAll(async () => {
    desktop = await consoleContext("desktop");
    page = desktop.page;
  });

  afterAll(async () => {
    await desktop?.context.close();
  });

  it("signs in with a key into an HttpOnly, SameSite=Strict cookie, keeping the key out of the browser's storage", async () => {
    await page.goto(`${server.base}/app`);
    await page.getByRole("heading", { name: "Cardbox console" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "sign-in-desktop");

    await page.getByLabel("API key").fill("cbx_not_a_key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That key is unknown or revoked.").waitFor();

    await signIn(page, key);
    expect(page.url()).toBe(`${server.base}/app/contacts`);
    const cookies = await desktop.context.cookies();
    expect(cookies.map(({ name, httpOnly, sameSite, secure, path }) => ({ name, httpOnly, sameSite, secure, path }))).toEqual([
      // Plain http://127.0.0.1 (development): no Secure, so no __Host- prefix either.
      { name: "cardbox_session", httpOnly: true, sameSite: "Strict", secure: false, path: "/" },
    ]);
    expect(cookies[0]!.value).not.toContain(key);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain("cbx_");
  });

  it("lists the workspace's contacts, newest first", async () => {
    await page.getByText("3 contacts").waitFor();
    expect(await contactNames(page)).toEqual(["Katherine Johnson", "Alan Turing", "Ada Lovelace"]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "contacts-desktop");
  });

  it("creates a contact, finds it by typing part of its name, tags and edits it", async () => {
    await page.getByRole("button", { name: "New contact" }).click();
    const form = page.getByRole("form", { name: "New contact" });
    await form.getByLabel("Name").fill("Grace Hopper");
    await form.getByLabel("Company").fill("US Navy");
    await form.getByRole("button", { name: "Create contact" }).click();
    // The new contact opens in its panel.
    await page.getByRole("heading", { level: 2, name: "Grace Hopper" }).waitFor();
    await page.getByRole("button", { name: "Close" }).click();

    await page.getByLabel("Search").fill("gra");
    await page.getByText("1 contact", { exact: true }).waitFor();
    expect(await contactNames(page)).toEqual(["Grace Hopper"]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "contacts-search-desktop");

    await page.getByRole("button", { name: "Grace Hopper" }).click();
    const panel = page.getByRole("dialog", { name: "Grace Hopper" });
    await panel.getByLabel("Add a tag").fill("conference");
    await panel.getByRole("button", { name: "Add tag" }).click();
    await panel.getByRole("button", { name: "Remove tag conference" }).waitFor();
    await panel.getByLabel("Job title").fill("Rear Admiral");
    await panel.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").getByText("Saved").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "contact-detail-desktop", { fullPage: false });

    const found = await api("GET", "/v1/contacts?q=grace");
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0]).toMatchObject({ name: "Grace Hopper", company: "US Navy", job_title: "Rear Admiral", tags: ["conference"] });
    // The list shows the tag too, and the tag filter finds it.
    await page.getByRole("button", { name: "Close" }).click();
    await page.getByLabel("Search").fill("");
    await page.getByLabel("Tag", { exact: true }).selectOption("conference");
    await page.getByText("1 contact", { exact: true }).waitFor();
    expect(await contactNames(page)).toEqual(["Grace Hopper"]);
  });

  it("exports the list as the filters select it, as CSV and as vCard, through the API's export", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const exported = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
      return { name: download.suggestedFilename(), text: readFileSync(await download.path(), "utf8") };
    };
    const filtered = await exported("Export CSV");
    expect(filtered.name).toBe(`contacts-${today}.csv`);
    const rows = parse(filtered.text, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map(({ name, company, job_title, tags, source }) => ({ name, company, job_title, tags, source }))).toEqual([
      { name: "Grace Hopper", company: "US Navy", job_title: "Rear Admiral", tags: "conference", source: "api" },
    ]);
    const vcards = await exported("Export vCard");
    expect(vcards.name).toBe(`contacts-${today}.vcf`);
    expect(vcards.text.match(/^FN:.*$/gm)).toEqual(["FN:Grace Hopper"]);

    await page.getByLabel("Tag", { exact: true }).selectOption("");
    await page.getByText("4 contacts").waitFor();
    const all = parse((await exported("Export CSV")).text, { bom: true, columns: true }) as Record<string, string>[];
    expect(all.map((row) => row.name)).toEqual(["Grace Hopper", "Katherine Johnson", "Alan Turing", "Ada Lovelace"]);
  });

  it("draws a card's scans and leads per day from real scans, by country and device, for a range kept in the address", async () => {
    const booth = (await api("GET", "/v1/profiles")).body.data[0];
    // Scans as a server records them through the API, each with the country and device it knows.
    const recorded = [
      ["DE", "mobile", "qr_scan"],
      ["DE", "mobile", "qr_scan"],
      ["DE", "desktop", "web"],
      ["FR", "tablet", "web"],
      ["JP", "other", "mcp"],
    ] as const;
    for (const [country, device, source] of recorded) {
      expect((await api("POST", "/v1/contacts/scans", { profile_id: booth.id, source, country, device })).status).toBe(201);
    }
    // A visitor's phone opens the card (a web scan) and shares their details: a lead.
    expect(await shareLead(server.base, "booth", { name: "Lena Lead", email: "lena@lead.example" })).toBe(303);
    // The phone visits (3 through /q, 1 on /p) have the country wrangler dev gives every request: read it back.
    const stats = (await api("GET", `/v1/profiles/${booth.id}/stats`)).body;
    const visits = Object.entries(stats.by_country as Record<string, number>)
      .map(([code, n]) => [code, n - recorded.filter(([c]) => c === code).length] as const)
      .filter(([, n]) => n > 0);
    expect(visits).toEqual([[expect.stringMatching(/^([A-Z]{2})$/), 4]]);
    const byCountry: Record<string, number> = {};
    for (const [code, n] of [...recorded.map(([c]) => [c, 1] as const), ...visits]) {
      const name = code === "XX" ? "Unknown" : regionName.of(code)!;
      byCountry[name] = (byCountry[name] ?? 0) + n;
    }
    // A second card: the page offers a choice of card.
    const second = await api("POST", "/v1/profiles", { handle: "second-card", name: "Second Card" });
    expect(second.status).toBe(201);

    await openPage(page, "Analytics");
    await page.getByLabel("Card", { exact: true }).selectOption({ label: "Booth Card (@booth)" });
    const scans = page.getByRole("region", { name: "Scans per day" });
    const leads = page.getByRole("region", { name: "Leads per day" });
    const last30 = `from ${shown(day(-29))} to ${shown(day(0))}`;
    await scans.getByText(`9 scans ${last30} (QR scan 5, Card page 3, AI assistant (MCP) 1); 9 scans in all.`).waitFor();
    await leads.getByText(`1 lead shared on the card's form ${last30}; 1 lead in all.`).waitFor();
    expect(new URL(page.url()).search).toBe(`?profile_id=${booth.id}`);
    // uPlot drew today's bars: each source's part by its share (5, 3, 1), and the lead.
    const [qr = 0, web = 0, mcp = 0] = await pixelsOf(scans, [COLORS.qr_scan, COLORS.web, COLORS.mcp]);
    expect(mcp).toBeGreaterThan(0);
    expect(web).toBeGreaterThan(2 * mcp);
    expect(qr).toBeGreaterThan(web);
    expect((await pixelsOf(leads, [COLORS.leads]))[0]).toBeGreaterThan(0);
    // The last bar is today's UTC day, though the browser is in Los Angeles.
    const today = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date());
    expect(await legendOfLastDay(page, scans)).toEqual({ Day: today, "AI assistant (MCP)": "1", "Card page": "3", "QR scan": "5" });
    expect(await legendOfLastDay(page, leads)).toEqual({ Day: today, Leads: "1" });
    expect(await tableRows(page.getByRole("table", { name: "Scans by country, 30 days" }))).toEqual(withShares(byCountry, 9));
    expect(await tableRows(page.getByRole("table", { name: "Scans by device, 30 days" }))).toEqual(
      withShares({ Phone: 6, Tablet: 1, Computer: 1, "Other or unknown": 1 }, 9),
    );
    expect(await tableRows(page.getByRole("table", { name: "Scans of Booth Card by source" }))).toEqual({
      "QR scan": ["5"],
      "Card page": ["3"],
      "AI assistant (MCP)": ["1"],
    });
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "analytics-desktop");

    await page.getByLabel("Last 7 days").check();
    await scans.getByText(`9 scans from ${shown(day(-6))} to ${shown(day(0))}`, { exact: false }).waitFor();
    expect(new URL(page.url()).searchParams.get("days")).toBe("7");
    await page.getByRole("table", { name: "Scans by country, 7 days" }).waitFor();

    // Days before today: none of the scans, and no bar drawn.
    await page.getByLabel("Custom", { exact: true }).check();
    const custom = page.getByRole("form", { name: "Custom range" });
    await custom.getByLabel("From", { exact: true }).fill(day(-9));
    await custom.getByLabel("To", { exact: true }).fill(day(-1));
    await custom.getByRole("button", { name: "Show" }).click();
    const before = `from ${shown(day(-9))} to ${shown(day(-1))}`;
    await scans.getByText(`0 scans ${before} (QR scan 0, Card page 0, AI assistant (MCP) 0); 9 scans in all.`).waitFor();
    await leads.getByText(`0 leads shared on the card's form ${before}; 1 lead in all.`).waitFor();
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ profile_id: booth.id, from: day(-9), to: day(-1) });
    expect(await pixelsOf(scans, [COLORS.qr_scan, COLORS.web, COLORS.mcp])).toEqual([0, 0, 0]);
    expect(await page.getByText("No scan in this range.").count()).toBe(2);

    // A reload keeps the card and the range.
    await page.reload();
    await scans.getByText(`0 scans ${before}`, { exact: false }).waitFor();
    expect(await page.getByLabel("Custom", { exact: true }).isChecked()).toBe(true);
    expect([
      await custom.getByLabel("From", { exact: true }).inputValue(),
      await custom.getByLabel("To", { exact: true }).inputValue(),
    ]).toEqual([day(-9), day(-1)]);

    // A range the API would refuse is refused here, by the field at fault, and nothing changes.
    const refused = [
      [day(0), day(-1), "From must not be after To"],
      [day(-366), day(0), "A range is at most 366 days, From and To included"],
    ] as const;
    for (const [from, to, message] of refused) {
      await custom.getByLabel("From", { exact: true }).fill(from);
      await custom.getByLabel("To", { exact: true }).fill(to);
      await custom.getByRole("button", { name: "Show" }).click();
      await custom.getByText(message).waitFor();
      expect(await custom.getByLabel("From", { exact: true }).getAttribute("aria-invalid")).toBe("true");
      expect(new URL(page.url()).searchParams.get("from")).toBe(day(-9));
    }
    // The longest range the API takes: 366 days, both ends included.
    await custom.getByLabel("From", { exact: true }).fill(day(-365));
    await custom.getByRole("button", { name: "Show" }).click();
    await scans.getByText(`9 scans from ${shown(day(-365))} to ${shown(day(0))}`, { exact: false }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.getByLabel("Last 30 days").check();
    await scans.getByText(`9 scans ${last30}`, { exact: false }).waitFor();
    expect(new URL(page.url()).search).toBe(`?profile_id=${booth.id}`);
  });

  it("creates a webhook (secret shown once), sends a test event and shows its delivery", async () => {
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByLabel("URL").fill(receiverUrl);
    await page.getByRole("button", { name: "Create webhook" }).click();
    expect(await page.getByTestId("secret").textContent()).toMatch(/^whsec_/);
    await page.getByRole("button", { name: receiverUrl }).click();
    await page.getByRole("button", { name: "Send a test event" }).click();
    for (let tries = 0; tries < 40 && (await page.getByRole("cell", { name: "200" }).count()) === 0; tries++) {
      await page.waitForTimeout(500);
      await page.getByRole("button", { name: "Refresh" }).click();
    }
    expect(await page.getByRole("cell", { name: "200" }).count()).toBeGreaterThan(0);
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "webhooks-desktop", { fullPage: false });
    await page.getByRole("button", { name: "Close" }).click();
  });

  it("lists the keys, marking the console's own; no request left this origin and nothing logged an error", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByText("this console").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "keys-desktop");
    expect(desktop.elsewhere).toEqual([]);
    expect(desktop.errors).toEqual([]);
  });
});

describe("on a phone", () => {
  it("shows every page at 390 px, without serious accessibility violations", async () => {
    const phone = await consoleContext("phone");
    await phone.page.goto(`${server.base}/app`);
    await phone.page.getByLabel("API key").waitFor();
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await snapshot(phone.page, "sign-in-phone");
    await signIn(phone.page, key);
    await phone.page.getByText("5 contacts").waitFor();
    expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    await snapshot(phone.page, "contacts-phone");
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await phone.page.getByRole("button", { name: "Ada Lovelace" }).click();
    await phone.page.getByLabel("First name").waitFor();
    await snapshot(phone.page, "contact-detail-phone", { fullPage: false });
    await phone.page.keyboard.press("Escape");
    // The menu folds under a button, its entries one under another, none off the screen.
    const menu = phone.page.getByRole("button", { name: "Menu: Contacts" });
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    expect(await phone.page.getByRole("navigation", { name: "Console" }).isVisible()).toBe(false);
    await menu.click();
    const entries = phone.page.getByRole("navigation", { name: "Console" }).getByRole("link");
    expect(await entries.allTextContents()).toEqual([
      "Contacts",
      "Duplicates",
      "Imports and exports",
      "Cards",
      "Analytics",
      "Live",
      "Webhooks",
      "API keys",
    ]);
    for (const box of await Promise.all((await entries.all()).map((entry) => entry.boundingBox()))) {
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    }
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await snapshot(phone.page, "menu-phone", { fullPage: false });
    await menu.click();
    // Each page once it has loaded what it shows.
    const ready = { Analytics: ".chart canvas", Webhooks: ".webhook-row", "API keys": ".badge" } as const;
    for (const [link, selector] of Object.entries(ready)) {
      await openPage(phone.page, link);
      await phone.page.getByRole("button", { name: `Menu: ${link}` }).waitFor();
      await phone.page.locator(selector).first().waitFor();
      expect(await accessibilityViolations(phone.page)).toEqual([]);
      await snapshot(phone.page, `${link.toLowerCase().replace(" ", "-")}-phone`);
      // Nothing wider than the phone's screen.
      expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    }
    // A table's rows are blocks on a phone: each cell shows its column's name, the header row being hidden.
    const columnName = (cell: Locator) => cell.evaluate((el) => getComputedStyle(el, "::before").content);
    expect(await phone.page.locator("table thead").first().boundingBox()).toMatchObject({ width: 1, height: 1 });
    expect(await columnName(phone.page.locator("td", { hasText: "contacts:read" }).first())).toMatch(/^"Permissions: "/);
    await openPage(phone.page, "Webhooks");
    await phone.page.getByRole("button", { name: receiverUrl }).click();
    const deliveries = phone.page.getByRole("table", { name: "Deliveries" });
    await deliveries.getByRole("cell", { name: "200" }).first().waitFor();
    expect(await columnName(deliveries.getByRole("cell", { name: "200" }).first())).toMatch(/^"Status: "/);
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await snapshot(phone.page, "webhook-deliveries-phone", { fullPage: false });
    expect(phone.errors).toEqual([]);
    await phone.context.close();
  });
});

describe("ending a session", () => {
  let context: BrowserContext;
  afterAll(async () => context?.close());

  it("signs out: back on the sign-in page, and the old cookie no longer works", async () => {
    const second = await api("POST", "/v1/api-keys", { name: "second", permissions: ["contacts:read"] });
    const session = await consoleContext("desktop");
    context = session.context;
    await signIn(session.page, second.body.key);
    // A read-only key is not offered what it may not do.
    expect(await session.page.getByRole("button", { name: "New contact" }).count()).toBe(0);
    expect(await session.page.getByRole("link", { name: "API keys" }).count()).toBe(0);
    const [cookie] = await context.cookies();
    await session.page.getByRole("button", { name: "Sign out" }).click();
    await session.page.getByText("You are signed out.").waitFor();
    expect(await context.cookies()).toEqual([]);
    const stale = await fetch(`${server.base}/v1/contacts`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect(stale.status).toBe(401);
  });

  it("revoking the key ends its session at the next request, landing on the sign-in page", async () => {
    const third = await api("POST", "/v1/api-keys", { name: "third", permissions: ["contacts:read", "contacts:write", "keys:manage"] });
    const session = await consoleContext("desktop");
    await signIn(session.page, third.body.key);
    await session.page.getByRole("link", { name: "API keys" }).click();
    await session.page.getByRole("button", { name: "Revoke third" }).click();
    await session.page.getByRole("button", { name: "Revoke", exact: true }).click();
    await session.page.getByText("Your session has ended").waitFor();
    await session.page.getByLabel("API key").waitFor();
    expect(await session.context.cookies()).toEqual([]);
    await session.context.close();
  });
});
