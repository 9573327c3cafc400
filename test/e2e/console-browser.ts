import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, Page } from "playwright-core";

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
  const context = await browser.newContext({ viewport: SIZES[size], deviceScaleFactor: 1, acceptDownloads: true });
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
