import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./browser";
import { accessibilityViolations, consoleContext, contactNames, pageWidth, signedInForAll, signIn, snapshot } from "./console-browser";
import { apiClient, provision, type RunningServer, shareLead, startServer } from "./server";

/** The free plan's limit: the workspace is filled to it, so later leads are held. */
const FREE_LIMIT = 100;
const HELD = [
  { name: "Held Ada", email: "ada@held.example", company: "Engines" },
  { name: "Held Bob", email: "bob@held.example" },
  { name: "Held Cy", email: "cy@held.example" },
];
const TAG = "met-at-booth";

let server: RunningServer;
let key: string;
let api: ReturnType<typeof apiClient>;
let browser: Browser;

/** Members of a guild, with what a CSV export must write with care: a phone and a note a spreadsheet would run, custom fields. */
const members = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const n = String(from + i).padStart(2, "0");
    return {
      name: `Member ${n}`,
      company: "Guild",
      phone: `+1 555 01${n}`,
      notes: '=HYPERLINK("https://evil.example")',
      custom_fields: { tier: Number(n) % 2 ? "gold" : "silver", score: Number(n), 'badge, "quoted"': null },
    };
  });

async function downloadOf(page: Page, button: string) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), "utf8") };
}

/** The API's export, as the bytes it sent (read as UTF-8 with its byte order mark kept, as the downloads are). */
async function exported(format: "csv" | "vcf", query: string) {
  const res = await fetch(`${server.base}/v1/contacts/export?format=${format}&${query}`, { headers: { "x-api-key": key } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer()).toString("utf8");
}

beforeAll(async () => {
  server = await startServer();
  key = await provision(server.base, "free");
  api = apiClient(server.base, key);
  expect((await api("POST", "/v1/profiles", { handle: "stand", name: "Stand Card" })).status).toBe(201);
  // 99 contacts, then a visitor's lead takes the last slot; the next three are held.
  expect((await api("POST", "/v1/contacts/batch", { contacts: members(1, 99) })).status).toBe(207);
  expect(await shareLead(server.base, "stand", { name: "First Visitor", email: "first@visitor.example" })).toBe(303);
  for (const lead of HELD) expect(await shareLead(server.base, "stand", lead)).toBe(303);
  expect((await api("GET", "/v1/contacts/limits")).body).toMatchObject({ used: FREE_LIMIT, remaining: 0 });
  expect((await api("GET", "/v1/leads/held")).body.data.map((h: any) => h.lead.name)).toEqual(["Held Cy", "Held Bob", "Held Ada"]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("held leads and bulk actions, on a full free plan, at desktop size", () => {
  const desktop = signedInForAll(() => ({ browser, base: server.base, key }));
  let page: Page;
  beforeAll(() => {
    page = desktop.page;
  });
  /** The members selected for the bulk actions. */
  let chosen: string[] = [];

  it("lists the held leads; a release while the plan is still full says why, and changes nothing", async () => {
    await page.getByText("3 leads are held").waitFor();
    await page.getByRole("button", { name: "Review held leads" }).click();
    const panel = page.getByRole("dialog", { name: "Held leads" });
    await panel.getByText("100 of 100 contacts used on the free plan: no room now.", { exact: false }).waitFor();
    const list = panel.getByRole("list", { name: "Held leads" });
    await list.locator(".held-name", { hasText: "Held Ada" }).waitFor();
    expect(await list.locator(".held-name").allTextContents()).toEqual(["Held Cy", "Held Bob", "Held Ada"]);
    await list.getByText("Engines · ada@held.example").waitFor();
    await list
      .getByText(/^Shared on the card's page of Stand Card, /)
      .first()
      .waitFor();

    await panel.getByRole("button", { name: "Release Held Ada" }).click();
    await panel
      .getByRole("alert")
      .getByText(
        "Not saved: Contact limit reached for this workspace's plan. The lead stays held. Make room (delete contacts or move to a bigger plan), then release it again.",
      )
      .waitFor();
    expect((await api("GET", "/v1/leads/held")).body.pagination.total).toBe(3);
    expect((await api("GET", "/v1/contacts/limits")).body.used).toBe(FREE_LIMIT);
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "held-leads-full-desktop", { fullPage: false });
    await panel.getByRole("button", { name: "Close" }).click();
  });

  it("selects contacts to tag and to export as the API's own export writes them", async () => {
    await page.getByText(`${FREE_LIMIT} contacts`, { exact: true }).waitFor();
    const names = await contactNames(page);
    expect(names[0]).toBe("First Visitor");
    // Three members (a batch's contacts share their creation time: the list's order among them is the API's).
    chosen = names.slice(1, 4);
    expect(chosen).toEqual([expect.stringMatching(/^Member \d\d$/), expect.stringMatching(/^Member/), expect.stringMatching(/^Member/)]);
    for (const name of chosen) await page.getByRole("checkbox", { name: `Select ${name}` }).check();
    const bar = page.getByRole("region", { name: "Selected contacts" });
    await bar.getByText("3 contacts selected").waitFor();
    const selectAll = page.getByRole("checkbox", { name: "Select all 50 shown" });
    expect(await selectAll.evaluate((box) => (box as HTMLInputElement).indeterminate)).toBe(true);

    await bar.getByLabel("Tag for the selected contacts").fill(TAG);
    await bar.getByRole("button", { name: "Add tag" }).click();
    await page.getByRole("status").getByText(`Tagged 3 contacts “${TAG}”`).waitFor();
    const tagged = await api("GET", `/v1/contacts?tags=${TAG}`);
    expect(tagged.body.data.map((c: any) => c.name)).toEqual(chosen);
    expect(await page.locator(".contact-row", { hasText: chosen[1] }).locator(".tag").allTextContents()).toEqual([TAG]);

    // The export endpoint takes filters, not ids: the console's file must be the one the API writes for the same contacts.
    const csv = await downloadOf(page, "Export selected as CSV");
    expect(csv.name).toBe(`contacts-selected-${new Date().toISOString().slice(0, 10)}.csv`);
    expect(csv.text.startsWith("\ufeffid,first_name,")).toBe(true);
    expect(csv.text.split("\r\n")[0]!.endsWith(',saved_at,"custom.badge, ""quoted""",custom.score,custom.tier')).toBe(true);
    expect(csv.text).toContain(`,'+1 555 01`);
    expect(csv.text).toBe(await exported("csv", `tags=${TAG}`));
    const vcf = await downloadOf(page, "Export selected as vCard");
    expect(vcf.name).toMatch(/^contacts-selected-\d{4}-\d{2}-\d{2}\.vcf$/);
    expect(vcf.text).toBe(await exported("vcf", `tags=${TAG}`));
    expect(vcf.text.match(/^FN:.*$/gm)).toEqual(chosen.map((name) => `FN:${name}`));
    expect(await accessibilityViolations(page)).toEqual([]);
    await snapshot(page, "contacts-selected-desktop", { fullPage: false });

    await selectAll.check();
    await bar.getByText("50 contacts selected").waitFor();
    await selectAll.uncheck();
    await bar.waitFor({ state: "detached" });
  });

  it("deletes the selected contacts only once asked twice, making room", async () => {
    const before = await contactNames(page);
    for (const name of chosen) await page.getByRole("checkbox", { name: `Select ${name}` }).check();
    const bar = page.getByRole("region", { name: "Selected contacts" });
    await bar.getByRole("button", { name: "Delete selected" }).click();
    await bar.getByText("Delete 3 contacts? Each leaves a tombstone for 30 days; the contacts cannot be brought back.").waitFor();
    // Asked, not done: the confirming button has the focus.
    const confirm = bar.getByRole("button", { name: "Delete 3 contacts" });
    expect(await confirm.evaluate((button) => button === document.activeElement)).toBe(true);
    expect((await api("GET", "/v1/contacts/limits")).body.used).toBe(FREE_LIMIT);
    await confirm.click();
    await page.getByRole("status").getByText("Deleted 3 contacts").waitFor();
    await page.getByText("97 contacts", { exact: true }).waitFor();
    await bar.waitFor({ state: "detached" });
    expect(await contactNames(page)).toEqual(before.filter((name) => !chosen.includes(name)));
    expect((await api("GET", `/v1/contacts?tags=${TAG}`)).body.data).toEqual([]);
    expect((await api("GET", "/v1/contacts/limits")).body).toMatchObject({ used: 97, remaining: 3 });
  });

  it("releases a held lead once there is room, and discards another after a second press", async () => {
    await page.getByRole("button", { name: "Review held leads" }).click();
    const panel = page.getByRole("dialog", { name: "Held leads" });
    await panel.getByText("97 of 100 contacts used on the free plan: room for 3 more leads.", { exact: false }).waitFor();
    await panel.getByRole("button", { name: "Release Held Ada" }).click();
    await page.getByRole("status").getByText("Saved Held Ada as a new contact").waitFor();
    const list = panel.getByRole("list", { name: "Held leads" });
    await list.locator(".held-name", { hasText: "Held Ada" }).waitFor({ state: "detached" });
    const [ada] = (await api("GET", "/v1/contacts?email=ada@held.example")).body.data;
    expect(ada).toMatchObject({ name: "Held Ada", company: "Engines", source: "web", tags: ["lead"], consent_at: expect.any(String) });

    await panel.getByRole("button", { name: "Discard Held Bob" }).click();
    await panel.getByText("Discard Held Bob's details for good?").waitFor();
    expect((await api("GET", "/v1/leads/held")).body.pagination.total).toBe(2);
    await panel.getByRole("button", { name: "Discard", exact: true }).click();
    await page.getByRole("status").getByText("Discarded Held Bob").waitFor();
    expect(await list.locator(".held-name").allTextContents()).toEqual(["Held Cy"]);
    expect((await api("GET", "/v1/leads/held")).body.data.map((h: any) => h.lead.name)).toEqual(["Held Cy"]);
    expect((await api("GET", "/v1/contacts?email=bob@held.example")).body.data).toEqual([]);
    await panel.getByRole("button", { name: "Close" }).click();

    // The list shows the released lead, and the notice counts what is left.
    await page.getByText("1 lead is held").waitFor();
    await page.getByText("98 contacts", { exact: true }).waitFor();
    expect((await contactNames(page))[0]).toBe("Held Ada");
  });

  it("sent no request elsewhere and logged no error but the refused release's 403", () => {
    expect(desktop.elsewhere).toEqual([]);
    expect(desktop.errors).toEqual([expect.stringContaining("status of 403")]);
  });
});

describe("on a phone, and with a read-only key", () => {
  it("shows the held leads and the selection at 390 px, without serious accessibility violations or sideways scrolling", async () => {
    const phone = await consoleContext(browser, server.base, "phone");
    await signIn(phone.page, server.base, key);
    await phone.page.getByText("1 lead is held").waitFor();
    await phone.page.getByText("98 contacts", { exact: true }).waitFor();
    for (const name of (await contactNames(phone.page)).slice(1, 3))
      await phone.page.getByRole("checkbox", { name: `Select ${name}` }).check();
    await phone.page.getByRole("region", { name: "Selected contacts" }).getByText("2 contacts selected").waitFor();
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    expect(await pageWidth(phone.page)).toBeLessThanOrEqual(390);
    await snapshot(phone.page, "contacts-selected-phone", { fullPage: false });

    await phone.page.getByRole("button", { name: "Review held leads" }).click();
    await phone.page.getByRole("dialog", { name: "Held leads" }).getByRole("button", { name: "Release Held Cy" }).waitFor();
    expect(await accessibilityViolations(phone.page)).toEqual([]);
    await snapshot(phone.page, "held-leads-phone", { fullPage: false });
    expect(phone.errors).toEqual([]);
    expect(phone.elsewhere).toEqual([]);
    await phone.context.close();
  });

  it("offers a read-only key the held leads and the selection's export, and no write", async () => {
    const reader = await api("POST", "/v1/api-keys", { name: "reader", permissions: ["contacts:read"] });
    const session = await consoleContext(browser, server.base, "desktop");
    await signIn(session.page, server.base, reader.body.key);
    await session.page.getByText("98 contacts", { exact: true }).waitFor();
    await session.page.getByRole("checkbox", { name: `Select ${(await contactNames(session.page))[1]}` }).check();
    const bar = session.page.getByRole("region", { name: "Selected contacts" });
    await bar.getByRole("button", { name: "Export selected as CSV" }).waitFor();
    expect(await bar.getByRole("button", { name: /Add tag|Delete selected/ }).count()).toBe(0);
    await session.page.getByRole("button", { name: "Review held leads" }).click();
    const panel = session.page.getByRole("dialog", { name: "Held leads" });
    await panel.getByText("Held Cy").waitFor();
    await panel.getByText("a key with contacts:write can release or discard them", { exact: false }).waitFor();
    expect(await panel.getByRole("button", { name: /Release|Discard/ }).count()).toBe(0);
    await session.context.close();
  });
});
