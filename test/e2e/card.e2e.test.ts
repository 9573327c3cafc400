import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { launchChromium, requireTool } from "./browser";
import { apiClient, PHONE_CHROME, provision, type RunningServer, startServer } from "./server";

const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

/** The font Chromium draws an element's text in (the platform's, not the CSS list it chose from). */
async function renderedFont(page: Page, selector: string): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("DOM.enable");
  await cdp.send("CSS.enable");
  const { root } = await cdp.send("DOM.getDocument");
  const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
  await cdp.detach();
  return fonts.toSorted((a, b) => b.glyphCount - a.glyphCount)[0]!.familyName;
}

let server: RunningServer;
let key: string;

let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await startServer();
  key = await provision(server.base);
  api = apiClient(server.base, key);
});

afterAll(async () => {
  await server?.stop();
});

describe("the README's server", () => {
  it("answers the issue's acceptance calls over real HTTP", async () => {
    const created = await api("POST", "/v1/contacts", {
      first_name: "Sarah",
      last_name: "Connor",
      email: "sarah@futuretech.example",
      job_title: "Director of Sales",
      company: "Future Tech Inc",
      linkedin_url: "https://linkedin.com/in/sarahconnor",
    });
    expect(created.status).toBe(201);
    const list = await api("GET", "/v1/contacts?page=1&limit=25");
    expect(list.body.pagination).toMatchObject({ page: 1, limit: 25, total: 1 });
    expect((await api("POST", "/v1/contacts", { last_name: "x" })).body.error).toBe("first_name is required");
  });
});

describe("the QR code", () => {
  it("decodes, with a real QR reader, to the card's /q address", async () => {
    const profile = await api("POST", "/v1/profiles", { handle: "qr-reader", name: "Quinn Reader" });
    expect(profile.status).toBe(201);
    const res = await fetch(`${server.base}/v1/profiles/${profile.body.id}/qr.svg`, { headers: { "x-api-key": key } });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "image/svg+xml; charset=utf-8"]);
    const dir = mkdtempSync(path.join(tmpdir(), "cardbox-qr-"));
    writeFileSync(path.join(dir, "qr.svg"), await res.text());
    const run = promisify(execFile);
    await run(requireTool("rsvg-convert", "librsvg2-bin"), [
      "--width",
      "400",
      "--background-color",
      "white",
      "-o",
      path.join(dir, "qr.png"),
      path.join(dir, "qr.svg"),
    ]);
    const { stdout } = await run(requireTool("zbarimg", "zbar-tools"), ["--quiet", "--raw", path.join(dir, "qr.png")]);
    expect(stdout.trim()).toBe(`${server.base}/q/qr-reader`);
  });
});

describe("in a real browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("opens /q/{handle}, lands on the card, and Save contact returns the vCard", async () => {
    const profile = await api("POST", "/v1/profiles", {
      handle: "ada-lovelace",
      name: "Ada Lovelace",
      title: "Mathematician",
      company: "Analytical Engines",
      location: "London, UK",
      email: "ada@engines.example",
      phone: "+44 20 7946 0000",
      website: "https://ada.example",
      bio: "Wrote the first published program, for the Analytical Engine.",
    });
    expect(profile.status).toBe(201);
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      userAgent: PHONE_CHROME,
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    const response = await page.goto(`${server.base}/q/ada-lovelace`);
    expect(page.url()).toBe(`${server.base}/p/ada-lovelace?via=qr`);
    expect(response!.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Ada Lovelace");
    const save = page.getByRole("link", { name: "Save contact" });
    expect(await save.isVisible()).toBe(true);
    await expect(page.locator(".avatar").textContent()).resolves.toBe("AL");
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/^system-ui,/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "card-390x844.png") });
    // The heading's font is not the one this machine draws `serif` in (Times New Roman's stand-in).
    await page.evaluate(() => {
      const probe = document.body.appendChild(document.createElement("p"));
      probe.id = "serif-probe";
      probe.textContent = "Ada Lovelace";
      probe.style.fontFamily = "serif";
    });
    const headingFont = await renderedFont(page, "h1");
    expect(headingFont).not.toBe(await renderedFont(page, "#serif-probe"));
    expect(headingFont).not.toMatch(/^(?!.*sans).*(serif|times|roman)/i);
    const [download] = await Promise.all([page.waitForEvent("download"), save.click()]);
    expect(download.suggestedFilename()).toBe("ada-lovelace.vcf");
    const vcard = await (await fetch(`${server.base}/p/ada-lovelace.vcf`)).text();
    expect(vcard).toContain("FN:Ada Lovelace");
    expect(errors).toEqual([]);
    await context.close();
    // The visitor shares their details back through the card's form, without JavaScript.
    const lead = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, userAgent: PHONE_CHROME });
    const visitor = await lead.newPage();
    await visitor.goto(`${server.base}/q/ada-lovelace`);
    await visitor.getByLabel("Name (required)").fill("Grace Hopper");
    await visitor.getByLabel("Email").fill("grace@navy.example");
    await visitor.getByLabel("Note").fill("Met at the booth");
    await visitor.getByLabel(/I agree that Ada Lovelace receives/).check();
    await Promise.all([
      visitor.waitForURL(`${server.base}/p/ada-lovelace?shared=1`),
      visitor.getByRole("button", { name: "Share my details" }).click(),
    ]);
    await expect(visitor.getByRole("status").textContent()).resolves.toBe("Thank you — your details have been shared.");
    expect(await visitor.locator("form").count()).toBe(0);
    await visitor.screenshot({ path: path.join(ARTIFACTS, "lead-shared-390x844.png") });
    await lead.close();
    const captured = await api("GET", "/v1/contacts?tags=lead");
    expect(captured.body.data).toEqual([
      expect.objectContaining({
        name: "Grace Hopper",
        email: "grace@navy.example",
        notes: "Met at the booth",
        source: "qr_scan",
        tags: ["lead"],
        captured_by_profile_id: profile.body.id,
        consent_at: expect.any(String),
      }),
    ]);
    // Scans are listed within 2 s of the visit (they are recorded after the answer).
    await vi.waitFor(
      async () => {
        const scans = await api("GET", `/v1/contacts/scans?profile_id=${profile.body.id}`);
        // The owner's visit (/q, then the card) and the visitor's (/q, the card; the thanks is not a visit).
        expect(scans.body.data.map((s: { source: string }) => s.source).sort()).toEqual(["qr_scan", "qr_scan", "web", "web"]);
      },
      { timeout: 2000, interval: 100 },
    );
  });

  it("shows a card without a photo with the initials of the first and the last word", async () => {
    expect((await api("POST", "/v1/profiles", { handle: "grace-hopper", name: " Grace Brewster Murray Hopper " })).status).toBe(201);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, userAgent: PHONE_CHROME });
    const page = await context.newPage();
    expect((await page.goto(`${server.base}/p/grace-hopper`))!.status()).toBe(200);
    const avatar = page.locator(".avatar");
    await expect(avatar.textContent()).resolves.toBe("GH");
    expect(await avatar.isVisible()).toBe(true);
    expect(await page.locator(".avatar img").count()).toBe(0);
    await context.close();
  });
});
