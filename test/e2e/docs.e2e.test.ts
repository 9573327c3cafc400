import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import { apiClient, provision, type RunningServer, startServer } from "./server";

/**
 * `/docs` in Chromium with every request to another origin refused: Scalar's reference renders the
 * operations and their schemas from `/openapi.json`, needs nothing from the internet, and its
 * "try it" client calls the local server with a key.
 */

const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");
let server: RunningServer;
let browser: Browser;
let key: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer();
  key = await provision(server.base);
  const created = await apiClient(server.base, key)("POST", "/v1/contacts", { name: "Ada Lovelace", email: "ada@docs.test" });
  expect(created.status).toBe(201);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page that refuses (and records) every request leaving the server, and records console errors. */
async function offlinePage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const elsewhere: string[] = [];
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(`${server.base}/`) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  return { page, elsewhere, problems };
}

const text = async (page: Page) => (await page.locator("body").textContent()) ?? "";

describe("/docs, the interactive API reference", () => {
  it("renders every tag and operation from the document, offline, with no errors", async () => {
    const { page, elsewhere, problems } = await offlinePage();
    const res = await page.goto(`${server.base}/docs`, { waitUntil: "networkidle" });
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("connect-src 'self'");
    await page.getByRole("heading", { name: "Cardbox API", level: 1 }).waitFor();
    const doc = (await (await fetch(`${server.base}/openapi.json`)).json()) as { tags: { name: string }[] };
    const body = await text(page);
    for (const tag of doc.tags) expect(body).toContain(tag.name);
    for (const summary of [
      "List and search contacts",
      "Create a contact",
      "Change some fields of a contact",
      "The contact as a vCard 3.0",
    ]) {
      expect(body).toContain(summary);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, "docs-1280x900.png") });
    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows an operation's request schema, aliases included", async () => {
    const { page, elsewhere } = await offlinePage();
    await page.goto(`${server.base}/docs#tag/contacts/POST/v1/contacts`, { waitUntil: "networkidle" });
    const section = page.locator("section", { has: page.getByRole("heading", { name: "Create a contact" }) }).first();
    await section.waitFor();
    const shown = (await section.textContent()) ?? "";
    for (const field of ["first_name", "email", "custom_fields", "phoneNumber", "customFields"]) expect(shown).toContain(field);
    expect(shown).toMatch(/201/);
    expect(elsewhere).toEqual([]);
    await page.close();
  }, 60_000);

  it("tries a call against the local server with a key and shows the answer", async () => {
    const { page, elsewhere } = await offlinePage();
    await page.goto(`${server.base}/docs#tag/contacts/GET/v1/contacts`, { waitUntil: "networkidle" });
    // The key goes into the reference's authentication box, which its client then uses.
    await page.getByPlaceholder(SCALAR_KEY_PLACEHOLDER).first().fill(key);
    const sent = page.waitForRequest((request) => request.url() === `${server.base}/v1/contacts` && request.method() === "GET");
    // The innermost section around the operation's heading holds its own "Test Request" button.
    const operation = page.locator("section", { has: page.getByRole("heading", { name: "List and search contacts" }) }).last();
    await operation
      .getByRole("button", { name: /test request/i })
      .first()
      .click();
    const client = page.getByRole("dialog");
    await client.waitFor();
    await client.getByRole("button", { name: /^send/i }).first().click();
    const request = await sent;
    expect(request.headers()["x-api-key"]).toBe(key);
    await client.getByText("200 OK").waitFor();
    await client.getByText("ada@docs.test").first().waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "docs-try-it-1280x900.png") });
    expect(elsewhere).toEqual([]);
    await page.close();
  }, 60_000);
});

/** What Scalar shows in an empty API key box. */
const SCALAR_KEY_PLACEHOLDER = "QUxMIFlPVVIgQkFTRSBBUkUgQkVMT05HIFRPIFV";
