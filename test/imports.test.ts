import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../src";
import { CHUNK_ROWS, MAX_CHUNK_ATTEMPTS } from "../src/imports/import-chunks";
import type { ImportJob } from "../src/imports/imports.data";
import { call, expectError, ISO_MS, newWorkspace, type Tenant, UUID } from "./helpers";

/**
 * `POST /v1/imports` and the imports queue: a file is checked and stored, its rows imported a chunk
 * at a time through the API's own create and upsert, and the report read back.
 */

let t: Tenant;
beforeEach(async () => {
  t = await newWorkspace("business");
});
afterEach(() => vi.restoreAllMocks());

const CSV = "text/csv";

function upload(file: BodyInit, type: string | undefined = CSV, query = "", key = t.key) {
  return call("POST", `/v1/imports${query}`, { key, raw: file, headers: type ? { "content-type": type } : {} });
}

/** Waits for the import to finish (the local queue runs its chunks) and answers its report. */
async function finished(id: string, key = t.key) {
  let report: any;
  await vi.waitFor(
    async () => {
      report = (await call("GET", `/v1/imports/${id}`, { key })).body;
      expect(report.status).toMatch(/^(done|failed)$/);
    },
    { timeout: 20_000, interval: 100 },
  );
  return report;
}

async function contactsOf(key = t.key) {
  const res = await call("GET", "/v1/contacts?limit=100&sort=name", { key });
  expect(res.status).toBe(200);
  return res.body.data as any[];
}

const counts = (report: any) => ({
  status: report.status,
  rows: report.rows,
  created: report.created,
  updated: report.updated,
  skipped: report.skipped,
  failed: report.failed,
});

describe("POST /v1/imports", () => {
  it("answers 202 with the queued import, then imports every row with source import and the import's tags", async () => {
    const csv =
      "First Name,Last Name,E-mail Address,Mobile Phone,Company Name,custom.tier,Favourite colour\r\nAda,Lovelace,ada@x.example,+44 20 7946 0000,Engines,gold,green\r\nGrace,Hopper,grace@x.example,,Navy,,blue\r\n";
    const hook = await call("POST", "/v1/webhooks", {
      key: t.key,
      body: { url: "https://hooks.example/cardbox", events: ["contact.created"] },
    });
    expect(hook.status).toBe(201);
    const res = await upload(csv, CSV, "?tags=conf-2026,Leads");
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get("location")).toBe(`/v1/imports/${res.body.id}`);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      status: "queued",
      mode: "create",
      format: "csv",
      tags: ["conf-2026", "leads"],
      bytes: new TextEncoder().encode(csv).length,
      rows: 0,
      created: 0,
      updated: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      ignored_fields: ["Favourite colour"],
      created_at: expect.stringMatching(ISO_MS),
      updated_at: expect.stringMatching(ISO_MS),
      finished_at: null,
    });
    const report = await finished(res.body.id);
    expect(report).toEqual({
      ...res.body,
      status: "done",
      rows: 2,
      created: 2,
      updated_at: expect.stringMatching(ISO_MS),
      finished_at: expect.stringMatching(ISO_MS),
    });
    const [ada, grace] = await contactsOf();
    expect(ada).toMatchObject({
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@x.example",
      phone: "+44 20 7946 0000",
      company: "Engines",
      source: "import",
      tags: ["conf-2026", "leads"],
      custom_fields: { tier: "gold" },
    });
    expect(grace).toMatchObject({
      first_name: "Grace",
      email: "grace@x.example",
      phone: null,
      company: "Navy",
      source: "import",
      custom_fields: {},
    });
    // One contact.created event a contact, as the API's own create raises.
    const events = await env.DB.prepare("SELECT type, count(*) AS n FROM webhook_events WHERE workspace_id = ? GROUP BY type")
      .bind(t.workspaceId)
      .all<{ type: string; n: number }>();
    expect(events.results).toEqual([{ type: "contact.created", n: 2 }]);
    const listed = await call("GET", "/v1/imports", { key: t.key });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([report]);
  });

  it("reports each bad row by number and field, imports the good ones, and skips duplicates and blank rows", async () => {
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Existing", email: "dup@x.example" } });
    const csv = [
      "first_name,email,phone",
      "Good,good@x.example,",
      "Bad email,not-an-email,",
      ",,",
      ",nofirst@x.example,",
      "Dup,DUP@x.example,",
      "Too,many,cells,here",
      "Also good,,+1 555 0100",
    ].join("\n");
    const res = await upload(csv);
    expect(res.status, res.text).toBe(202);
    const report = await finished(res.body.id);
    expect(counts(report)).toEqual({ status: "done", rows: 7, created: 2, updated: 0, skipped: 2, failed: 3 });
    expect(report.errors).toEqual([
      { row: 3, field: "email", code: "validation_failed", error: expect.any(String) },
      { row: 5, field: "first_name", code: "validation_failed", error: expect.any(String) },
      { row: 6, field: "email", code: "duplicate_contact", error: "is already used by another contact" },
      { row: 7, field: "row", code: "validation_failed", error: "has 4 cells; the header has 3" },
    ]);
    expect((await contactsOf()).map((c) => c.first_name)).toEqual(["Also good", "Existing", "Good"]);
  });

  it("upserts by email, then phone, and round-trips an export into another workspace", async () => {
    for (const body of [
      { first_name: "Ada", email: "ada@x.example", tags: ["vip"], custom_fields: { tier: "gold" }, notes: "=1+1" },
      { first_name: "Grace", phone: "+1 555 0100", company: "Navy" },
    ]) {
      expect((await call("POST", "/v1/contacts", { key: t.key, body })).status).toBe(201);
    }
    const exported = await call("GET", "/v1/contacts/export?format=csv", { key: t.key });
    const other = await newWorkspace("business");
    await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "Old Ada", email: "ADA@x.example", company: "Kept" } });
    const res = await upload(exported.text, CSV, "?mode=upsert", other.key);
    expect(res.status, res.text).toBe(202);
    expect(res.body.ignored_fields).toEqual([
      "id",
      "site_id",
      "site_title",
      "source",
      "profile_id",
      "captured_by_profile_id",
      "consent_at",
      "created_at",
      "updated_at",
      "saved_at",
    ]);
    const report = await finished(res.body.id, other.key);
    expect(counts(report)).toEqual({ status: "done", rows: 2, created: 1, updated: 1, skipped: 0, failed: 0 });
    const pick = (c: any) => ({
      name: c.name,
      email: c.email,
      phone: c.phone,
      company: c.company,
      tags: c.tags,
      custom_fields: c.custom_fields,
      notes: c.notes,
    });
    expect((await contactsOf(other.key)).map(pick)).toEqual([
      { name: "Ada", email: "ada@x.example", phone: null, company: "Kept", tags: ["vip"], custom_fields: { tier: "gold" }, notes: "=1+1" },
      { name: "Grace", email: null, phone: "+1 555 0100", company: "Navy", tags: [], custom_fields: {}, notes: null },
    ]);
  });

  it("imports a vCard file", async () => {
    const vcf = [
      "BEGIN:VCARD",
      "VERSION:3.0",
      "N:Lovelace;Ada;;;",
      "FN:Ada Lovelace",
      "EMAIL;TYPE=INTERNET:ada@x.example",
      "TEL;TYPE=CELL:+44 20 7946 0000",
      "ORG:Analytical Engines;R&D",
      "NOTE:first\\nsecond\\, third",
      "CATEGORIES:math,vip",
      "END:VCARD",
      "BEGIN:VCARD",
      "VERSION:4.0",
      "FN:Grace Hopper",
      "END:VCARD",
      "",
    ].join("\r\n");
    const res = await upload(vcf, "text/vcard");
    expect(res.status, res.text).toBe(202);
    expect(res.body.format).toBe("vcard");
    expect(counts(await finished(res.body.id))).toEqual({ status: "done", rows: 2, created: 2, updated: 0, skipped: 0, failed: 0 });
    expect((await contactsOf()).map((c) => [c.name, c.email, c.phone, c.company, c.notes, c.tags])).toEqual([
      ["Ada Lovelace", "ada@x.example", "+44 20 7946 0000", "Analytical Engines", "first\nsecond, third", ["math", "vip"]],
      ["Grace Hopper", null, null, null, null, []],
    ]);
  });

  it("takes the file as the file part of a multipart form", async () => {
    const form = new FormData();
    form.set("file", new File(["email,first_name\nform@x.example,Form\n"], "leads.csv", { type: "text/csv" }));
    const res = await call("POST", "/v1/imports", { key: t.key, raw: form });
    expect(res.status, res.text).toBe(202);
    expect(counts(await finished(res.body.id))).toEqual({ status: "done", rows: 1, created: 1, updated: 0, skipped: 0, failed: 0 });
  });

  it("reports rows past the plan's limit instead of writing them", async () => {
    const free = await newWorkspace("free");
    const rows = Array.from({ length: 102 }, (_, i) => `Person ${i}`);
    const res = await upload(`first_name\n${rows.join("\n")}\n`, CSV, "", free.key);
    expect(res.status, res.text).toBe(202);
    const report = await finished(res.body.id, free.key);
    expect(counts(report)).toEqual({ status: "done", rows: 102, created: 100, updated: 0, skipped: 0, failed: 2 });
    expect(report.errors).toEqual([
      { row: 102, field: null, code: "contact_limit_reached", error: "Contact limit reached for this workspace's plan" },
      { row: 103, field: null, code: "contact_limit_reached", error: "Contact limit reached for this workspace's plan" },
    ]);
    expect((await call("GET", "/v1/contacts/limits", { key: free.key })).body.used).toBe(100);
  });
});

describe("bad files change nothing", () => {
  const nothingStored = async () => {
    expect(await contactsOf()).toEqual([]);
    expect((await call("GET", "/v1/imports", { key: t.key })).body.data).toEqual([]);
    const objects = await env.IMPORTS.list({ prefix: `${t.workspaceId}/` });
    expect(objects.objects).toEqual([]);
  };

  it.each([
    ["an empty file", "", CSV, 400, "validation_failed", /file/],
    ["whitespace only", " \r\n\r\n", CSV, 400, "validation_failed", /file/],
    ["a header without rows", "first_name,email\r\n", CSV, 400, "validation_failed", /file/],
    ["a header naming no contact field", "colour,size\nred,L\n", CSV, 400, "validation_failed", /file/],
    [
      "a binary file",
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
      "application/octet-stream",
      400,
      "validation_failed",
      /file/,
    ],
    ["Latin-1 text", new Uint8Array([...new TextEncoder().encode("first_name\nJos"), 0xe9, 0x0a]), CSV, 400, "validation_failed", /file/],
    [
      "UTF-16 text",
      new Uint8Array([0xff, 0xfe, ...[..."first_name\n"].flatMap((ch) => [ch.charCodeAt(0), 0])]),
      CSV,
      400,
      "validation_failed",
      /file/,
    ],
    ["an unclosed quote in the header", 'first_name,"email\nAda,a@x.example\n', CSV, 400, "validation_failed", /file/],
    ["a vCard without a card", "hello", "text/vcard", 400, "validation_failed", /file/],
    ["a JSON body", '{"first_name":"Ada"}', "application/json", 415, "unsupported_media_type", /text\/csv/],
    ["an image", "GIF89a", "image/gif", 415, "unsupported_media_type", /text\/csv/],
    [
      "a form without the file part",
      (() => {
        const form = new FormData();
        form.set("other", "x");
        return form;
      })(),
      undefined,
      400,
      "validation_failed",
      /file/,
    ],
  ] as const)("%s", async (_name, body, type, status, code, error) => {
    const res = await upload(body as BodyInit, type);
    const refused = expectError(res, status, code);
    expect(JSON.stringify(refused), res.text).toMatch(error);
    await nothingStored();
  });

  it("refuses a file over 20 MiB with 413", async () => {
    const big = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x61);
    expectError(await upload(big), 413, "payload_too_large", "Request body must be at most 20 MiB");
    await nothingStored();
  });

  it.each([
    ["an unknown mode", "?mode=merge", "mode"],
    ["a tag too long", `?tags=ok,${"x".repeat(65)}`, "tags.1"],
    ["an unknown parameter", "?dry_run=1", "dry_run"],
  ])("refuses %s with 400", async (_name, query, field) => {
    const body = expectError(await upload("first_name\nAda\n", CSV, query), 400, "validation_failed");
    expect(body.details.map((d: { field: string }) => d.field)).toContain(field);
    await nothingStored();
  });
});

describe("the queue consumer", () => {
  /** Runs the imports consumer on one message, as the queue would deliver it. */
  async function consume(job: ImportJob, attempts = 1) {
    const batch = createMessageBatch<ImportJob>("cardbox-imports", [
      { id: crypto.randomUUID(), timestamp: new Date(), attempts, body: job },
    ]);
    const ctx = createExecutionContext();
    await (worker.queue as ExportedHandlerQueueHandler<Env, ImportJob>)(batch, env, ctx);
    return getQueueResult(batch, ctx);
  }

  /** An accepted import whose messages are held back, so the test delivers them itself. */
  async function heldImport(csv: string) {
    const sent: ImportJob[] = [];
    vi.spyOn(env.IMPORT_QUEUE, "send").mockImplementation(async (job) => {
      sent.push(job as ImportJob);
      return undefined as never;
    });
    const res = await upload(csv);
    expect(res.status, res.text).toBe(202);
    return { id: res.body.id as string, sent };
  }

  const csvOf = (n: number) => `first_name,email\n${Array.from({ length: n }, (_, i) => `P${i},p${i}@x.example`).join("\n")}\n`;

  it("imports a chunk of rows a message, sending the next once it is saved, and deletes the file when done", async () => {
    const { id, sent } = await heldImport(csvOf(CHUNK_ROWS + 5));
    expect(sent).toEqual([{ id, chunk: 0 }]);
    expect(await consume({ id, chunk: 0 })).toMatchObject({ explicitAcks: [expect.any(String)], retryMessages: [] });
    expect(sent).toEqual([
      { id, chunk: 0 },
      { id, chunk: 1 },
    ]);
    expect(counts((await call("GET", `/v1/imports/${id}`, { key: t.key })).body)).toEqual({
      status: "running",
      rows: CHUNK_ROWS,
      created: CHUNK_ROWS,
      updated: 0,
      skipped: 0,
      failed: 0,
    });
    await consume({ id, chunk: 1 });
    expect(counts((await call("GET", `/v1/imports/${id}`, { key: t.key })).body)).toEqual({
      status: "done",
      rows: CHUNK_ROWS + 5,
      created: CHUNK_ROWS + 5,
      updated: 0,
      skipped: 0,
      failed: 0,
    });
    expect((await env.IMPORTS.list({ prefix: `${t.workspaceId}/` })).objects).toEqual([]);
    // A late copy of a finished import's chunk does nothing.
    await consume({ id, chunk: 1 });
    expect((await call("GET", "/v1/contacts/limits", { key: t.key })).body.used).toBe(CHUNK_ROWS + 5);
  });

  it("creates nothing twice when a chunk is delivered again after a crash before its report was saved", async () => {
    const { id } = await heldImport(csvOf(3));
    const before = await env.DB.prepare("SELECT * FROM imports WHERE id = ?").bind(id).first<Record<string, unknown>>();
    await consume({ id, chunk: 0 });
    const first = (await call("GET", `/v1/imports/${id}`, { key: t.key })).body;
    // The crash: the rows were written, the report was not.
    await env.DB.prepare(
      "UPDATE imports SET status = 'running', chunks = 0, next_offset = ?, next_row = ?, rows = 0, created = 0, finished_at = NULL WHERE id = ?",
    )
      .bind(before!.next_offset, before!.next_row, id)
      .run();
    await env.IMPORTS.put(`${t.workspaceId}/${id}.csv`, csvOf(3));
    await consume({ id, chunk: 0 });
    const again = (await call("GET", `/v1/imports/${id}`, { key: t.key })).body;
    expect(counts(again)).toEqual(counts(first));
    expect(counts(again)).toEqual({ status: "done", rows: 3, created: 3, updated: 0, skipped: 0, failed: 0 });
    expect((await contactsOf()).map((c) => c.email)).toEqual(["p0@x.example", "p1@x.example", "p2@x.example"]);
  });

  it("fails the import with the reason, rather than leave it running, when its file is gone", async () => {
    const { id } = await heldImport(csvOf(2));
    await env.IMPORTS.delete(`${t.workspaceId}/${id}.csv`);
    await consume({ id, chunk: 0 });
    const report = (await call("GET", `/v1/imports/${id}`, { key: t.key })).body;
    expect(counts(report)).toEqual({ status: "failed", rows: 0, created: 0, updated: 0, skipped: 0, failed: 0 });
    expect(report.errors).toEqual([{ row: 2, field: null, code: "bad_request", error: "the uploaded file is gone from storage" }]);
    expect(report.finished_at).toMatch(ISO_MS);
  });

  it("retries a chunk while storage fails, and fails the import after the last attempt", async () => {
    const { id } = await heldImport(csvOf(2));
    vi.spyOn(env.IMPORTS, "get").mockRejectedValue(new Error("R2 is down"));
    expect(await consume({ id, chunk: 0 }, 1)).toMatchObject({
      explicitAcks: [],
      retryMessages: [expect.objectContaining({ msgId: expect.any(String) })],
    });
    expect((await call("GET", `/v1/imports/${id}`, { key: t.key })).body.status).toBe("running");
    expect(await consume({ id, chunk: 0 }, MAX_CHUNK_ATTEMPTS)).toMatchObject({ explicitAcks: [expect.any(String)], retryMessages: [] });
    const report = (await call("GET", `/v1/imports/${id}`, { key: t.key })).body;
    expect(counts(report)).toEqual({ status: "failed", rows: 0, created: 0, updated: 0, skipped: 0, failed: 0 });
    expect(report.errors).toEqual([
      { row: 2, field: null, code: "internal", error: "stopped at row 2: the rows from there on could not be imported; import them again" },
    ]);
    expect(await contactsOf()).toEqual([]);
  });
});
