import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, requireTool } from "./browser";
import {
  accessibilityViolations,
  consoleContext,
  contactNames,
  openPage,
  pageWidth,
  signedInForAll,
  signIn,
  snapshot,
} from "./console-browser";
import { apiClient, provision, type RunningServer, startServer } from "./server";

const IMPORT_ROWS = 500;
/** Rows of the generated file (data rows from 1) with an email the API refuses. */
const BAD_ROWS = [101, 402];

let server: RunningServer;
let key: string;
let api: ReturnType<typeof apiClient>;
let browser: Browser;
let scratch: string;

/** A CSV as another tool writes it: its own column names, IMPORT_ROWS people, two of them with a broken email. */
function generatedCsv() {
  const lines = ["First Name,Last Name,E-mail Address,Company Name,Favourite colour"];
  for (let i = 1; i <= IMPORT_ROWS; i++) {
    const email = BAD_ROWS.includes(i) ? `person${i}-at-nowhere` : `person${i}@import.example`;
    lines.push(`Person,Number ${i},${email},"Import Co, Ltd",blue`);
  }
  return `${lines.join("\r\n")}\r\n`;
}

const run = promisify(execFile);

/** What a real QR reader (zbar) reads from a PNG. */
async function decodeQr(png: string) {
  const { stdout } = await run(requireTool("zbarimg", "zbar-tools"), ["--quiet", "--raw", png]);
  return stdout.trim();
}

async function downloadOf(page: Page, button: string) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), file, bytes: readFileSync(file) };
}

beforeAll(async () => {
  server = await startServer();
  // The pro plan: room for the 500 imported contacts.
  key = await provision(server.base, "pro");
  api = apiClient(server.base, key);
  scratch = mkdtempSync(path.join(tmpdir(), "cardbox-console-"));
  const site = await api("POST", "/v1/sites", { title: "Web Summit" });
  expect(site.status).toBe(201);
  for (const contact of [
    { name: "Mara Quinn", stage: "Customer", source: "web", site_id: site.body.id, tags: ["vip"], custom_fields: { tier: "gold" } },
    { name: "Otto Berg", stage: "Lead", source: "api", tags: ["vip"], custom_fields: { tier: "silver" } },
    { name: "Ines Roy", stage: "Qualified", source: "mcp", site_id: site.body.id, custom_fields: { tier: "gold" } },
    // Two of the same person met twice: a duplicate group.
    { name: "Lin Chen", company: "Acme", email: "lin@acme.example", tags: ["vip"] },
    { name: "Lin Chen", company: "Acme", phone: "+1 555 0101", tags: ["booth"] },
  ]) {
    expect((await api("POST", "/v1/contacts", contact)).status).toBe(201);
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("managing a workspace in the console, at desktop size", () => {
  const desktop = signedInForAll(() => ({ browser, base: server.base, key }));
  let page: Page;
  beforeAll(() => {
    page = desktop.page;
  });

  it("narrows the list by stage, tag, source, site and custom field, sorts it, and keeps all of it in the address across a reload", async () => {
    await page.getByText("5 contacts").waitFor();
    await page.getByLabel("Stage").selectOption("Customer");
    await page.getByText("1 contact", { exact: true }).waitFor();
    expect(await contactNames(page)).toEqual(["Mara Quinn"]);
    await page.getByLabel("Stage").selectOption("");

    await page.getByLabel("Tag", { exact: true }).selectOption("vip");
    await page.getByText("3 contacts").waitFor();
    await page.getByLabel("Custom field", { exact: true }).fill("tier=gold");
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByText("1 contact", { exact: true }).waitFor();
    expect(await contactNames(page)).toEqual(["Mara Quinn"]);
    await page.getByRole("button", { name: "Remove filter tier=gold" }).click();
    await page.getByLabel("Tag", { exact: true }).selectOption("");

    await page.getByLabel("Site").selectOption({ label: "Web Summit" });
    await page.getByText("2 contacts").waitFor();
    await page.getByLabel("Source").selectOption("mcp");
    await page.getByText("1 contact", { exact: true }).waitFor();
    expect(await contactNames(page)).toEqual(["Ines Roy"]);
    await page.getByLabel("Source").selectOption("");
    await page.getByLabel("Custom field", { exact: true }).fill("tier=gold");
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByLabel("Sort").selectOption("name");
    await page.getByText("2 contacts").waitFor();
    await expect.poll(() => contactNames(page)).toEqual(["Ines Roy", "Mara Quinn"]);
    const address = new URL(page.url());
    expect(Object.fromEntries(address.searchParams)).toEqual({
      site_id: expect.any(String),
      "custom_fields.tier": "gold",
      sort: "name",
    });
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "contacts-filters-desktop");

    await page.reload();
    await page.getByText("2 contacts").waitFor();
    expect(await contactNames(page)).toEqual(["Ines Roy", "Mara Quinn"]);
    // The site's choice is there once the sites have loaded (the list may come first).
    await expect.poll(() => page.getByLabel("Site").inputValue()).toBe(address.searchParams.get("site_id"));
    expect(await page.getByLabel("Sort").inputValue()).toBe("name");
    await page.getByRole("button", { name: "Remove filter tier=gold" }).waitFor();

    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.getByText("5 contacts").waitFor();
    expect(page.url()).toBe(`${server.base}/app/contacts`);
  });

  it("keeps the keyboard inside an open panel; Escape closes it and the focus goes back to what opened it", async () => {
    const opener = page.getByRole("button", { name: "Otto Berg" });
    await opener.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("dialog", { name: "Otto Berg" });
    await panel.getByLabel("First name").waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(await panel.getByRole("heading", { level: 2 }).getAttribute("id"));
    const insidePanel = () => page.evaluate(() => Boolean(document.activeElement?.closest('[role="dialog"]')));
    const tabs = (await panel.locator("a[href], button:not([disabled]), input:not([disabled]), select, textarea").count()) + 2;
    for (let i = 0; i < tabs; i++) {
      await page.keyboard.press("Tab");
      expect(await insidePanel()).toBe(true);
    }
    // Backwards from the heading: the panel's last control, not the page behind it.
    await panel.getByRole("heading", { level: 2 }).focus();
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Delete contact");
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    expect(await opener.evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it("creates a card, previews it, turns lead capture off, and downloads its QR code as SVG and PNG", async () => {
    await page.getByRole("link", { name: "Cards" }).click();
    await page.getByRole("heading", { level: 1, name: "Cards" }).waitFor();
    await page.getByText("No card yet.").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "New card" }).click();
    const form = page.getByRole("form", { name: "New card" });
    await form.getByLabel("Name").fill("Booth Card");
    await form.getByLabel("Handle").fill("booth-2026");
    await form.getByLabel("Title").fill("Head of Partnerships");
    await form.getByLabel("Company").fill("Cardbox");
    expect(await form.getByLabel("Lead capture").isChecked()).toBe(true);
    await form.getByRole("button", { name: "Create card" }).click();

    // The new card opens in its panel, with its preview and its QR code.
    const panel = page.getByRole("dialog", { name: "Booth Card" });
    await panel.getByRole("img", { name: "QR code leading to the card @booth-2026" }).waitFor();
    const link = panel.getByRole("link", { name: "Open the public card (new tab)" });
    expect([await link.getAttribute("href"), await link.getAttribute("target")]).toEqual(["/p/booth-2026", "_blank"]);
    expect(await panel.getByText("Head of Partnerships · Cardbox").count()).toBe(1);
    const [created] = (await api("GET", "/v1/profiles")).body.data;
    expect(created).toMatchObject({
      handle: "booth-2026",
      name: "Booth Card",
      title: "Head of Partnerships",
      public: true,
      lead_capture: "on",
    });

    await panel.getByLabel("Lead capture").uncheck();
    await panel.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").getByText("Saved").waitFor();
    expect((await api("GET", `/v1/profiles/${created.id}`)).body.lead_capture).toBe("off");
    const card = await (await fetch(`${server.base}/p/booth-2026`)).text();
    expect(card).toContain("Booth Card");
    expect(card).not.toContain("Share your details");
    await panel.getByText("Without the lead form").waitFor();
    expect(await page.getByRole("list", { name: "Cards" }).getByText("Lead capture off").count()).toBe(1);

    const svg = await downloadOf(page, "Download SVG");
    expect(svg.name).toBe("booth-2026-qr.svg");
    const served = await fetch(`${server.base}/v1/profiles/${created.id}/qr.svg`, { headers: { "x-api-key": key } });
    expect(svg.bytes.toString("utf8")).toBe(await served.text());
    const png = await downloadOf(page, "Download PNG");
    expect(png.name).toBe("booth-2026-qr.png");
    expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // The SVG's units drawn a whole number of times over, the first such size of at least 1,024 pixels.
    const side = Number(/viewBox="0 0 (\d+) /.exec(svg.bytes.toString("utf8"))![1]);
    const expected = Math.ceil(1024 / side) * side;
    expect([png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)]).toEqual([expected, expected]);
    const pngFile = path.join(scratch, "qr.png");
    writeFileSync(pngFile, png.bytes);
    expect(await decodeQr(pngFile)).toBe(`${server.base}/q/booth-2026`);

    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "card-detail-desktop", { fullPage: false });
    await page.getByRole("button", { name: "Close" }).click();
    await snapshot(page, "cards-desktop");
  });

  it("deletes a card only once asked twice", async () => {
    const temporary = await api("POST", "/v1/profiles", { handle: "short-lived", name: "Short Lived" });
    await page.reload();
    await page.getByRole("button", { name: "Short Lived" }).click();
    const panel = page.getByRole("dialog", { name: "Short Lived" });
    await panel.getByRole("button", { name: "Delete card" }).click();
    expect((await api("GET", `/v1/profiles/${temporary.body.id}`)).status).toBe(200);
    await panel.getByRole("button", { name: "Delete", exact: true }).click();
    await panel.waitFor({ state: "detached" });
    expect((await api("GET", `/v1/profiles/${temporary.body.id}`)).status).toBe(404);
    expect(await page.getByRole("list", { name: "Cards" }).getByRole("button").allTextContents()).toEqual(["Booth Card"]);
  });

  it("uploads a 500-row CSV, follows the progress bar to done, and shows the per-row report", async () => {
    const file = path.join(scratch, "leads.csv");
    writeFileSync(file, generatedCsv());
    await page.getByRole("link", { name: "Imports and exports" }).click();
    await page.getByRole("heading", { level: 1, name: "Imports and exports" }).waitFor();
    await page.getByText("No import yet.").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel("CSV or vCard file").setInputFiles(file);
    await page.getByLabel("Tags for every imported contact").fill("conf-2026");
    await page.getByRole("button", { name: "Import", exact: true }).click();

    const bar = page.getByRole("progressbar", { name: "Import progress" });
    await bar.waitFor();
    expect(await bar.getAttribute("aria-valuemax")).toBe(String(IMPORT_ROWS));
    const seen: number[] = [];
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await page.waitForTimeout(100)) {
      seen.push(Number((await bar.getAttribute("aria-valuenow")) ?? 0));
      if ((await bar.getAttribute("aria-valuetext")) === `Done: ${IMPORT_ROWS} rows`) break;
    }
    expect(await bar.getAttribute("aria-valuetext")).toBe(`Done: ${IMPORT_ROWS} rows`);
    expect([await bar.getAttribute("aria-valuenow"), await bar.getAttribute("aria-valuemax")]).toEqual(["500", "500"]);
    expect(seen).toEqual(seen.toSorted((a, b) => a - b));

    const report = page.getByRole("region", { name: "Report" });
    const count = async (label: string) => report.locator("dt", { hasText: label }).locator("xpath=../dd").textContent();
    expect({
      read: await count("Rows read"),
      created: await count("Created"),
      updated: await count("Updated"),
      skipped: await count("Skipped"),
      failed: await count("Failed"),
    }).toEqual({ read: "500", created: "498", updated: "0", skipped: "0", failed: "2" });
    const problems = page.getByRole("table", { name: "Problems" }).getByRole("row");
    // CSV rows count the header as row 1.
    expect(await problems.allInnerTexts()).toEqual([
      expect.stringMatching(/^Row\s+Field\s+Problem$/),
      expect.stringMatching(/^102\s+email\s+.+\(validation_failed\)$/),
      expect.stringMatching(/^403\s+email\s+.+\(validation_failed\)$/),
    ]);
    await report.getByText("Favourite colour").waitFor();
    const imported = await api("GET", "/v1/contacts?tags=conf-2026&limit=1");
    expect(imported.body.pagination.total).toBe(498);
    expect(imported.body.data[0]).toMatchObject({ source: "import", company: "Import Co, Ltd", tags: ["conf-2026"] });
    // The finished import is listed among the recent ones.
    await page.getByRole("list", { name: "Recent imports" }).getByText("CSV · done · 500 rows: 498 created, 0 updated, 2 failed").waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "imports-desktop");
  });

  it("merges a duplicate group in one press, shows the merged contact and an emptied list", async () => {
    await page.getByRole("link", { name: "Duplicates" }).click();
    await page.getByRole("heading", { level: 1, name: "Duplicates" }).waitFor();
    const group = page.getByRole("group", { name: "Lin Chen · Acme (2 contacts)" });
    await group.waitFor();
    expect(await group.getByRole("radio", { name: /^Keep this one \(the oldest\): lin@acme\.example/ }).isChecked()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "duplicates-desktop");
    await page.getByRole("button", { name: "Merge 1 contact into the one kept" }).click();
    const result = page.getByRole("status").filter({ hasText: "Merged 1 contact into Lin Chen" });
    await result.waitFor();
    expect(await result.locator("dd").allTextContents()).toEqual(["lin@acme.example", "+1 555 0101", "Acme", "vip, booth"]);
    await page.getByText("No duplicates.").waitFor();
    const found = await api("GET", "/v1/contacts?q=lin%20chen");
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0]).toMatchObject({ email: "lin@acme.example", phone: "+1 555 0101", tags: ["vip", "booth"] });
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "duplicates-merged-desktop");
  });

  it("sent no request elsewhere and logged no error", () => {
    expect(desktop.elsewhere).toEqual([]);
    expect(desktop.errors).toEqual([]);
  });
});

describe("the new pages on a phone", () => {
  it("shows cards, imports and duplicates at 390 px, without serious accessibility violations or sideways scrolling", async () => {
    for (const name of ["Ray Stone", "Ray Stone"]) await api("POST", "/v1/contacts", { name, company: "Quarry" });
    const phone = await consoleContext(browser, server.base, "phone");
    await signIn(phone.page, server.base, key);
    const ready = { Cards: ".contact-row", "Imports and exports": ".import-row", Duplicates: ".duplicate-group" } as const;
    for (const [link, selector] of Object.entries(ready)) {
      await openPage(phone.page, link);
      await phone.page.locator(selector).first().waitFor();
      expect(await accessibilityViolations(phone.page)).toEqual([]);
      await snapshot(phone.page, `${link.split(" ")[0]!.toLowerCase()}-phone`);
      expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    }
    await openPage(phone.page, "Cards");
    await phone.page.getByRole("button", { name: "Booth Card" }).click();
    await phone.page.getByRole("img", { name: /QR code/ }).waitFor();
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await snapshot(phone.page, "card-detail-phone", { fullPage: false });
    await phone.page.keyboard.press("Escape");
    await openPage(phone.page, "Contacts");
    // On a phone the filters fold away under the search, the list first.
    await phone.page.getByText("504 contacts").waitFor();
    expect(await phone.page.getByLabel("Custom field", { exact: true }).isVisible()).toBe(false);
    await phone.page.getByText("Filters and sort").click();
    await phone.page.getByLabel("Custom field", { exact: true }).fill("tier=gold");
    await phone.page.getByRole("button", { name: "Add filter" }).click();
    await phone.page.getByText("2 contacts").waitFor();
    await phone.page.getByText("Filters and sort (1 set)").waitFor();
    await snapshot(phone.page, "contacts-filters-phone");
    expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    expect(phone.errors).toEqual([]);
    expect(phone.elsewhere).toEqual([]);
    await phone.context.close();
  });
});

describe("a read-only key", () => {
  it("sees the cards and their QR codes, and is offered no write", async () => {
    const reader = await api("POST", "/v1/api-keys", { name: "reader", permissions: ["contacts:read"] });
    const session = await consoleContext(browser, server.base, "desktop");
    await signIn(session.page, server.base, reader.body.key);
    expect(await session.page.getByRole("link", { name: "Duplicates" }).count()).toBe(0);
    expect(await session.page.getByRole("link", { name: "Imports and exports" }).count()).toBe(0);
    await session.page.getByRole("link", { name: "Cards" }).click();
    await session.page.getByRole("button", { name: "Booth Card" }).click();
    const panel = session.page.getByRole("dialog", { name: "Booth Card" });
    await panel.getByRole("button", { name: "Download PNG" }).waitFor();
    expect(await session.page.getByRole("button", { name: "New card" }).count()).toBe(0);
    expect(await panel.getByLabel("Name").isDisabled()).toBe(true);
    expect(await panel.getByRole("button", { name: /Save changes|Delete card/ }).count()).toBe(0);
    await session.context.close();
  });
});
