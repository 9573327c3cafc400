import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { parse } from "csv-parse/sync";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import {
  accessibilityViolations,
  contactNames,
  consoleContext as openContext,
  pageWidth,
  type SIZES,
  signIn as signInAs,
  snapshot,
} from "./console-browser";
import { apiClient, provision, type RunningServer, startServer } from "./server";

/** A phone's Chrome: headless Chromium's own user agent is a crawler's, whose scans are not counted. */
const PHONE_CHROME =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

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

  it("draws the card's scans per day from the real scans", async () => {
    await page.getByRole("link", { name: "Analytics" }).click();
    await page.getByRole("heading", { level: 1, name: "Analytics" }).waitFor();
    await page.getByText("3 scans in the last 30 days, 3 scans in all.").waitFor();
    // uPlot draws after the summary text: wait for its canvas before counting.
    await page.locator(".chart canvas").first().waitFor();
    expect(await page.locator(".chart canvas").count()).toBe(1);
    const qr = page.getByRole("table", { name: "This card's scans by source" }).getByRole("row", { name: /QR scan/ });
    expect(await qr.getByRole("cell").textContent()).toBe("3");
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "analytics-desktop");
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
    await phone.page.getByText("4 contacts").waitFor();
    expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    await snapshot(phone.page, "contacts-phone");
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await phone.page.getByRole("button", { name: "Ada Lovelace" }).click();
    await phone.page.getByLabel("First name").waitFor();
    await snapshot(phone.page, "contact-detail-phone", { fullPage: false });
    await phone.page.keyboard.press("Escape");
    // Each page once it has loaded what it shows.
    const ready = { Analytics: ".chart canvas", Webhooks: ".webhook-row", "API keys": ".badge" } as const;
    for (const [link, selector] of Object.entries(ready)) {
      await phone.page.getByRole("link", { name: link }).click();
      await phone.page.getByRole("heading", { level: 1, name: link }).waitFor();
      await phone.page.locator(selector).first().waitFor();
      expect(await accessibilityViolations(phone.page)).toEqual([]);
      await snapshot(phone.page, `${link.toLowerCase().replace(" ", "-")}-phone`);
      // Nothing wider than the phone's screen.
      expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    }
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
