import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";

/** Where screenshots go: kept out of git (test-artifacts/ is ignored), looked at by people. */
export const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
export const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/**
 * axe-core's serious and critical violations on the page as it is now. Run through the DevTools
 * protocol (page.evaluate), which the page's CSP does not govern, so the CSP stays as served.
 */
export async function accessibilityViolations(page: Page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const { violations } = await (window as any).axe.run(document, { resultTypes: ["violations"] });
    return violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n: any) => n.target.join(" ")) }));
  });
  return violations.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
}

/**
 * A screenshot named by page and size: the whole page, or only the screen when a side panel (fixed
 * to the screen) is open.
 */
export async function snapshot(page: Page, name: string, { fullPage = true } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}.png`), fullPage });
}

/** A browser context that records what would break the console's promises: a request elsewhere, a console error. */
export async function consoleContext(browser: Browser, base: string, size: keyof typeof SIZES) {
  // West of UTC, so that a day shown in local time instead of the API's UTC days would be caught.
  const context = await browser.newContext({
    viewport: SIZES[size],
    deviceScaleFactor: 1,
    acceptDownloads: true,
    locale: "en-US",
    timezoneId: "America/Los_Angeles",
  });
  const page = await context.newPage();
  const elsewhere: string[] = [];
  const errors: string[] = [];
  page.on(
    "request",
    (r) => !r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith("blob:") && elsewhere.push(r.url()),
  );
  // The sign-in page's session probe and a refused key answer 401 by design; Chromium logs each.
  page.on("console", (m) => m.type() === "error" && !m.text().includes("status of 401") && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, elsewhere, errors };
}

export type ConsoleSession = Awaited<ReturnType<typeof consoleContext>>;

/**
 * A desktop browser signed in for the tests of the `describe` that calls this: opened before them
 * (with what `setup` answers then, once the server is up), closed after them.
 */
export function signedInForAll(setup: () => { browser: Browser; base: string; key: string }): ConsoleSession {
  const session = {} as ConsoleSession;
  beforeAll(async () => {
    const { browser, base, key } = setup();
    Object.assign(session, await consoleContext(browser, base, "desktop"));
    await signIn(session.page, base, key);
  });
  afterAll(async () => {
    await session.context?.close();
  });
  return session;
}

export async function signIn(page: Page, base: string, apiKey: string) {
  await page.goto(`${base}/app`);
  await page.getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Contacts" }).waitFor();
}

/** The names in the contact list, in its order. */
export const contactNames = (page: Page) =>
  page.getByRole("list", { name: "Contacts" }).locator(".contact-row .link-button").allTextContents();

/** Nothing wider than the screen: no sideways scrolling on a phone. */
export const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

/** Opens a page of the console through its menu, unfolding the menu first where it is folded (a phone). */
export async function openPage(page: Page, label: string) {
  const toggle = page.getByRole("button", { name: /^Menu/ });
  if (await toggle.isVisible()) {
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
  }
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: label, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: label }).waitFor();
}

/**
 * How many pixels of a chart's canvas are each of `colors` (`#rrggbb`): proof that uPlot drew those
 * bars, not only a blank canvas or the axes.
 */
export async function pixelsOf(chart: Locator, colors: readonly string[]): Promise<number[]> {
  const canvas = chart.locator("canvas");
  await canvas.waitFor();
  return canvas.evaluate((el, wanted) => {
    const c = el as HTMLCanvasElement;
    const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
    const rgb = wanted.map((hex) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)));
    const counts = wanted.map(() => 0);
    for (let p = 0; p < data.length; p += 4) {
      rgb.forEach(([r, g, b], i) => {
        if (data[p] === r && data[p + 1] === g && data[p + 2] === b && data[p + 3] === 255) counts[i]!++;
      });
    }
    return counts;
  }, colors);
}

/** A table's body rows as `{row header: cell texts}` (the header row left out). */
export async function tableRows(table: Locator): Promise<Record<string, string[]>> {
  const rows = await table
    .locator("tbody tr")
    .evaluateAll((trs) =>
      trs.map((tr) => [
        tr.querySelector("th")?.textContent?.trim() ?? "",
        Array.from(tr.querySelectorAll("td"), (td) => td.textContent!.trim()),
      ]),
    );
  return Object.fromEntries(rows);
}

/** A chart's legend with the pointer over its last day's bar: the day and each part's count, by label. */
export async function legendOfLastDay(page: Page, chart: Locator): Promise<Record<string, string>> {
  const over = chart.locator(".u-over");
  await over.scrollIntoViewIfNeeded();
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  return Object.fromEntries(
    await chart
      .locator(".u-legend .u-series")
      .evaluateAll((rows) => rows.map((row) => [row.querySelector(".u-label")!.textContent, row.querySelector(".u-value")!.textContent])),
  );
}
