import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import { accessibilityViolations, consoleContext, openPage, pageWidth, SIZES, signIn, snapshot } from "./console-browser";
import { apiClient, PHONE_SAFARI, provision, type RunningServer, startServer } from "./server";

/**
 * The console's Live page on `npm start`: a card's feed open in Chromium while its QR code is
 * scanned and a visitor shares their details on its page; both show up without a reload.
 */

/** EventSource's readyState values (the Node test process has no EventSource global to read them from). */
const EventSourceState = { OPEN: 1, CLOSED: 2 } as const;
/** How long a poll waits for what the stream brings: the machine running the tests may be busy. */
const SOON = { timeout: 10_000 };
const closed = (n: number) => Array<number>(n).fill(EventSourceState.CLOSED);

let server: RunningServer;
let key: string;
let api: ReturnType<typeof apiClient>;
let browser: Browser;
let booth: { id: string; handle: string };

beforeAll(async () => {
  server = await startServer();
  key = await provision(server.base);
  api = apiClient(server.base, key);
  const other = await api("POST", "/v1/profiles", { handle: "other-card", name: "Other Card" });
  expect(other.status).toBe(201);
  const created = await api("POST", "/v1/profiles", { handle: "booth-live", name: "Booth Card" });
  expect(created.status).toBe(201);
  booth = created.body;
  // Scanned once before the page opens: today's count starts from the stats.
  expect((await recordScan("FR", "desktop")).status).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const recordScan = (country: string, device: string) =>
  api("POST", "/v1/contacts/scans", { profile_id: booth.id, source: "qr_scan", country, device });

/** A visitor opens the card's page (a `web` scan, recorded just after the answer): its form's CSRF token. */
async function visitCard() {
  const card = await fetch(`${server.base}/p/${booth.handle}?via=qr`, { headers: { "user-agent": PHONE_SAFARI } });
  return /name="csrf" value="([^"]+)"/.exec(await card.text())![1]!;
}

/** The visitor shares their details through the card's form. */
async function shareDetails(csrf: string, name: string, email: string) {
  const shared = await fetch(`${server.base}/p/${booth.handle}/connect`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": PHONE_SAFARI },
    body: new URLSearchParams({ csrf, via: "qr", website: "", name, email, consent: "yes" }),
    redirect: "manual",
  });
  expect(shared.status).toBe(303);
}

/** Records every EventSource the page opens, so a test can see that leaving the page closes it. */
const trackEventSources = (page: Page) =>
  page.addInitScript(() => {
    const Native = window.EventSource;
    const opened: EventSource[] = [];
    (window as any).openedEventSources = opened;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        opened.push(this);
      }
    };
  });

const eventSourceStates = (page: Page) =>
  page.evaluate(() => ((window as any).openedEventSources as EventSource[]).map((source) => source.readyState));

/** Opens Live on the booth's card: chosen among several, or the only one, shown without a choice. */
async function openLive(page: Page, { choose }: { choose: boolean }) {
  await openPage(page, "Live");
  if (choose) await page.getByLabel("Card").selectOption({ label: "Booth Card (@booth-live)" });
  await page.getByRole("heading", { level: 2, name: "Booth Card @booth-live" }).waitFor();
  await page.getByRole("status").filter({ hasText: "Live: scans and leads appear as they happen" }).waitFor();
}

const scansToday = (page: Page) => page.locator(".live-counts p").first().textContent();
const feedItems = (page: Page) =>
  page
    .getByRole("list", { name: /newest first/ })
    .getByRole("listitem")
    .allTextContents();

describe("the Live page, at desktop size", () => {
  let desktop: Awaited<ReturnType<typeof consoleContext>>;
  let page: Page;

  beforeAll(async () => {
    desktop = await consoleContext(browser, server.base, "desktop");
    page = desktop.page;
    await trackEventSources(page);
    await signIn(page, server.base, key);
  });

  afterAll(async () => {
    await desktop?.context.close();
  });

  it("shows a scan and a lead as they happen, counts today's scans, opens the lead's contact, and closes the stream on leaving", async () => {
    await openLive(page, { choose: true });
    await expect.poll(() => scansToday(page), SOON).toBe("1 scan today (UTC)");
    await page.getByText("Nothing yet: the scans of @booth-live").waitFor();

    expect((await recordScan("DE", "mobile")).status).toBe(201);
    await expect.poll(() => feedItems(page), SOON).toEqual([expect.stringMatching(/^Scan QR scan · Germany · Phone \d/)]);
    expect(await scansToday(page)).toBe("2 scans today (UTC)");

    const csrf = await visitCard();
    await expect.poll(() => scansToday(page), SOON).toBe("3 scans today (UTC)");
    await shareDetails(csrf, "Grace Hopper", "grace@navy.example");
    await expect
      .poll(() => feedItems(page), SOON)
      .toEqual([
        expect.stringMatching(/^Lead Grace Hopper via the QR code \d/),
        expect.stringMatching(/^Scan Card page · .+ · Phone \d/),
        expect.stringMatching(/^Scan QR scan · Germany · Phone \d/),
      ]);
    expect(await scansToday(page)).toBe("3 scans today (UTC)");
    expect(await page.locator(".live-counts p").nth(1).textContent()).toBe("1 lead since this page opened");
    // Leads are read out (the polite region); scans are only counted.
    await page.getByRole("status").filter({ hasText: "New lead: Grace Hopper" }).waitFor();
    const [stored] = (await api("GET", "/v1/contacts?email=grace@navy.example")).body.data;
    expect(await page.locator("time").first().getAttribute("datetime")).toBe(stored.consent_at);
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "live-desktop");

    const opener = page.getByRole("button", { name: "Grace Hopper" });
    await opener.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("dialog", { name: "Grace Hopper" });
    expect(await panel.getByLabel("Email").inputValue()).toBe("grace@navy.example");
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });

    // Another card's feed: the first stream is closed, the new one starts empty.
    await page.getByLabel("Card").selectOption({ label: "Other Card (@other-card)" });
    await page.getByText("Nothing yet: the scans of @other-card").waitFor();
    await expect.poll(() => eventSourceStates(page), SOON).toEqual([EventSourceState.CLOSED, EventSourceState.OPEN]);

    // Deleted while followed: the server ends the stream, the retry is refused, and the page says why.
    const [otherCard] = (await api("GET", "/v1/profiles")).body.data.filter((p: { handle: string }) => p.handle === "other-card");
    expect((await api("DELETE", `/v1/profiles/${otherCard.id}`)).status).toBe(200);
    await page.getByRole("status").filter({ hasText: "Disconnected" }).waitFor({ timeout: 10_000 });
    await page.getByRole("alert").filter({ hasText: "Profile not found" }).waitFor();
    await page.getByRole("button", { name: "Reconnect" }).waitFor();
    expect(await eventSourceStates(page)).toEqual(closed(2));
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "live-disconnected-desktop");
    // Trying again (from the keyboard) asks once more, and is told the same.
    await page.getByRole("button", { name: "Reconnect" }).focus();
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe("status");
    await page.getByRole("button", { name: "Reconnect" }).waitFor();
    await page.getByRole("alert").filter({ hasText: "Profile not found" }).waitFor();
    await expect.poll(() => eventSourceStates(page), SOON).toEqual(closed(3));

    await page.getByLabel("Card").selectOption({ label: "Booth Card (@booth-live)" });
    await page.getByRole("status").filter({ hasText: "Live: scans and leads appear as they happen" }).waitFor();
    await expect.poll(() => eventSourceStates(page), SOON).toEqual([...closed(3), EventSourceState.OPEN]);
    await page.getByRole("link", { name: "Contacts" }).click();
    await page.getByRole("heading", { level: 1, name: "Contacts" }).waitFor();
    expect(await eventSourceStates(page)).toEqual(closed(4));
    expect(desktop.elsewhere).toEqual([]);
    // Chromium logs the deleted card's 404s: twice the stream's refused retry and the page's question.
    expect(desktop.errors).toEqual(Array(4).fill("Failed to load resource: the server responded with a status of 404 (Not Found)"));
  });
});

describe("the Live page on a phone", () => {
  it("fits 390 px, follows the feed and passes axe", async () => {
    const phone = await consoleContext(browser, server.base, "phone");
    try {
      await signIn(phone.page, server.base, key);
      // The other card was deleted above: the one left needs no choosing.
      await openLive(phone.page, { choose: false });
      expect(await phone.page.getByLabel("Card").count()).toBe(0);
      await expect.poll(() => scansToday(phone.page), SOON).toBe("3 scans today (UTC)");
      expect((await recordScan("JP", "tablet")).status).toBe(201);
      await expect.poll(() => feedItems(phone.page), SOON).toEqual([expect.stringMatching(/^Scan QR scan · Japan · Tablet \d/)]);
      expect(await scansToday(phone.page)).toBe("4 scans today (UTC)");
      expect(await pageWidth(phone.page)).toBeLessThanOrEqual(SIZES.phone.width);
      expect(await accessibilityViolations(phone.page)).toEqual([]);
      await snapshot(phone.page, "live-phone");
      expect(phone.elsewhere).toEqual([]);
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });
});
