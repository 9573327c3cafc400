import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ContactSchema, STAGES } from "../src/contacts/contacts.fields";
import { ContactLimitsSchema, ContactListSchema, ContactTagsSchema, DuplicateGroupListSchema } from "../src/contacts/contacts.schemas";
import { ProfileSchema } from "../src/profiles/profiles.routes";
import { ScanListSchema } from "../src/scans/scans.routes";
import { BASE, call, expectKeyRefused, keyWith, newWorkspace, type Tenant } from "./helpers";

/**
 * The official SDK client over Streamable HTTP, talking to the Worker's own fetch handler. It lists
 * the tools first, as clients do, so it checks every result's structured content against the
 * tool's advertised output schema (a JSON Schema; the SDK's Workers validator, as AJV compiles code).
 */
async function connect(key?: string) {
  const client = new Client({ name: "cardbox-test", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    requestInit: { headers: key ? { "x-api-key": key } : {} },
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
  });
  await client.connect(transport);
  await client.listTools();
  return client;
}

/** A result's JSON text; a success carries the same object as structured content, a refusal none. */
function result(r: Awaited<ReturnType<Client["callTool"]>>) {
  const body = JSON.parse((r.content as { text: string }[])[0]!.text);
  if (r.isError) expect(r.structuredContent).toBeUndefined();
  else expect(r.structuredContent).toEqual(body);
  return body;
}

const READS = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const writes = (destructiveHint: boolean, idempotentHint: boolean) => ({
  readOnlyHint: false,
  destructiveHint,
  idempotentHint,
  openWorldHint: false,
});

/** Each tool's hints, and the HTTP API's response schema its output schema must be. */
const TOOLS: Record<string, { hints: object; output: z.ZodType }> = {
  search_contacts: { hints: READS, output: ContactListSchema },
  get_contact: { hints: READS, output: ContactSchema },
  create_contact: { hints: writes(false, false), output: ContactSchema },
  update_contact: { hints: writes(true, true), output: ContactSchema },
  add_tags: { hints: writes(false, true), output: ContactTagsSchema },
  remove_tags: { hints: writes(true, true), output: ContactTagsSchema },
  save_profile: { hints: writes(false, true), output: ContactSchema },
  get_profile: { hints: READS, output: ProfileSchema },
  recent_scans: { hints: READS, output: ScanListSchema },
  contact_limits: { hints: READS, output: ContactLimitsSchema },
  find_duplicates: { hints: READS, output: DuplicateGroupListSchema },
  merge_contacts: { hints: writes(true, false), output: ContactSchema },
};

let t: Tenant;
beforeAll(async () => {
  t = await newWorkspace("free");
});

describe("MCP server", () => {
  it("answers with the request id header, like every other route", async () => {
    const res = await call("POST", "/mcp", {
      key: t.key,
      headers: { accept: "application/json, text/event-stream" },
      body: { jsonrpc: "2.0", id: 7, method: "tools/list" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toMatchObject({ jsonrpc: "2.0", id: 7, result: { tools: expect.any(Array) } });
  });

  it("lists the tools with input schemas", async () => {
    const client = await connect(t.key);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "add_tags",
      "contact_limits",
      "create_contact",
      "find_duplicates",
      "get_contact",
      "get_profile",
      "merge_contacts",
      "recent_scans",
      "remove_tags",
      "save_profile",
      "search_contacts",
      "update_contact",
    ]);
    const create = tools.find((tool) => tool.name === "create_contact")!;
    expect(create.inputSchema.properties).toHaveProperty("first_name");
    expect(create.description).toContain("mcp");
    await client.close();
  });

  it("describes every tool with a title, its hints and the HTTP API's response schema as its output schema", async () => {
    const client = await connect(t.key);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(TOOLS).sort());
    for (const tool of tools) {
      const { hints, output } = TOOLS[tool.name]!;
      expect(tool.title, tool.name).toMatch(/^[A-Z]/);
      expect(tool.annotations, tool.name).toEqual({ title: tool.title, ...hints });
      expect(tool.outputSchema, tool.name).toEqual(z.toJSONSchema(output, { target: "draft-7", io: "output" }));
    }
    await client.close();
  });

  it("shows every contact field's argument as a usable JSON Schema: stage's values, custom_fields an object of scalars", async () => {
    const client = await connect(t.key);
    const { tools } = await client.listTools();
    for (const name of ["create_contact", "update_contact"]) {
      const properties = tools.find((tool) => tool.name === name)!.inputSchema.properties as Record<string, Record<string, unknown>>;
      for (const [field, schema] of Object.entries(properties)) expect(Object.keys(schema), `${name}.${field}`).not.toHaveLength(0);
      expect(properties.stage).toEqual({
        type: "string",
        pattern: expect.any(String),
        description:
          "One of `Subscriber`, `Lead`, `Qualified`, `Opportunity`, `Customer`, `Evangelist`, `Other`, in any letter case; answered as listed.",
      });
      const stagePattern = new RegExp(properties.stage!.pattern as string);
      for (const accepted of [...STAGES, "customer", "cUsToMeR", "LEAD"]) expect(accepted).toMatch(stagePattern);
      for (const refused of ["nope", "Customers", " Lead", ""]) expect(refused).not.toMatch(stagePattern);
      expect(properties.custom_fields).toMatchObject({
        type: "object",
        maxProperties: 50,
        additionalProperties: { anyOf: [{ type: "string", maxLength: 2048 }, { type: "number" }, { type: "boolean" }, { type: "null" }] },
      });
      expect(properties.tags).toMatchObject({ type: "array", items: { type: "string", minLength: 1, maxLength: 64 }, maxItems: 50 });
      expect(properties.phone).toMatchObject({ description: "Alias: `phoneNumber`." });
    }
    await client.close();
  });

  it("answers structured content that fits the output schema: a site, custom fields, a client-chosen id, stage in any case", async () => {
    const client = await connect(t.key);
    const site = await call("POST", "/v1/sites", { key: t.key, body: { title: "Booth 7" } });
    const created = await client.callTool({
      name: "create_contact",
      arguments: {
        first_name: "Mary",
        stage: "customer",
        site_id: site.body.id,
        custom_fields: { badge: 7, vip: true, note: "hi", none: null },
      },
    });
    expect(created.isError).toBeFalsy();
    expect(result(created)).toMatchObject({
      stage: "Customer",
      site: { id: site.body.id, title: "Booth 7" },
      custom_fields: { badge: 7, vip: true, note: "hi", none: null },
    });
    // Not an RFC 9562 UUID (no version or variant bits), yet an id the API accepts.
    const id = "12345678-1234-1234-1234-123456789abc";
    expect((await call("POST", "/v1/contacts", { key: t.key, body: { id, first_name: "Chosen" } })).status).toBe(201);
    const got = await client.callTool({ name: "get_contact", arguments: { id } });
    expect(result(got)).toEqual((await call("GET", `/v1/contacts/${id}`, { key: t.key })).body);
    const found = await client.callTool({ name: "search_contacts", arguments: { stage: "CUSTOMER" } });
    expect(result(found).data.map((c: { first_name: string }) => c.first_name)).toEqual(["Mary"]);
    await client.close();
  });

  it("creates, finds, tags and updates contacts; created contacts have source mcp", async () => {
    const client = await connect(t.key);
    const created = await client.callTool({
      name: "create_contact",
      arguments: { name: "Katherine Johnson", company: "NASA", tags: ["VIP"] },
    });
    expect(created.isError).toBeFalsy();
    const contact = result(created);
    expect(created.structuredContent).toEqual(contact);
    expect(contact).toMatchObject({ first_name: "Katherine", last_name: "Johnson", company: "NASA", tags: ["vip"], source: "mcp" });
    const found = await client.callTool({ name: "search_contacts", arguments: { q: "kath", tags: ["vip"] } });
    expect(result(found).data.map((c: { id: string }) => c.id)).toEqual([contact.id]);
    const tagged = await client.callTool({ name: "add_tags", arguments: { id: contact.id, tags: ["Orbit"] } });
    expect(result(tagged)).toEqual({ id: contact.id, tags: ["vip", "orbit"] });
    const untagged = await client.callTool({ name: "remove_tags", arguments: { id: contact.id, tags: ["vip"] } });
    expect(result(untagged)).toEqual({ id: contact.id, tags: ["orbit"] });
    const updated = await client.callTool({ name: "update_contact", arguments: { id: contact.id, job_title: "Mathematician" } });
    expect(result(updated)).toMatchObject({ id: contact.id, job_title: "Mathematician", company: "NASA", source: "mcp" });
    const got = await client.callTool({ name: "get_contact", arguments: { id: contact.id } });
    expect(result(got)).toEqual(result(updated));
    const viaHttp = await call("GET", "/v1/contacts?source=mcp", { key: t.key });
    expect(viaHttp.body.data.map((c: { id: string }) => c.id)).toContain(contact.id);
    await client.close();
  });

  it("search_contacts takes custom-field filters, as the list's custom_fields parameters; a bad one is refused naming it", async () => {
    const ws = await newWorkspace();
    for (const [first_name, custom_fields] of [
      ["Gold", { tier: "gold", score: 9 }],
      ["Silver", { tier: "silver", score: 3 }],
      ["None", {}],
    ] as const)
      await call("POST", "/v1/contacts", { key: ws.key, body: { first_name, custom_fields } });
    const client = await connect(ws.key);
    const names = async (custom_fields: object[]) =>
      result(await client.callTool({ name: "search_contacts", arguments: { custom_fields, sort: "name" } })).data.map(
        (c: { first_name: string }) => c.first_name,
      );
    expect(await names([{ key: "tier", value: "gold" }])).toEqual(["Gold"]);
    expect(
      await names([
        { key: "score", op: "gt", value: 1 },
        { key: "tier", op: "ne", value: "gold" },
      ]),
    ).toEqual(["Silver"]);
    expect(await names([{ key: "tier", op: "exists", value: false }])).toEqual(["None"]);
    const bad = await client.callTool({
      name: "search_contacts",
      arguments: { custom_fields: [{ key: "score", op: "gt", value: "high" }] },
    });
    expect(bad.isError).toBe(true);
    expect(result(bad)).toEqual({
      error: "custom_fields.score[gt] must be a number",
      code: "validation_failed",
      details: [{ field: "custom_fields.score[gt]", message: "must be a number" }],
    });
    await client.close();
  });

  it("finds duplicates and merges them as the HTTP API does; a bad merge is refused with the API's message", async () => {
    const ws = await newWorkspace();
    const make = async (body: object) => (await call("POST", "/v1/contacts", { key: ws.key, body })).body;
    const first = await make({ first_name: "Grace", company: "Navy", tags: ["a"] });
    const second = await make({ first_name: "grace", company: "NAVY", email: "grace@navy.example", tags: ["b"] });
    const client = await connect(ws.key);
    const found = result(await client.callTool({ name: "find_duplicates", arguments: {} }));
    expect(found).toEqual((await call("GET", "/v1/contacts/duplicates", { key: ws.key })).body);
    expect(found.data).toEqual([{ reason: "name_company", count: 2, contacts: [first, second] }]);

    const itself = await client.callTool({ name: "merge_contacts", arguments: { id: first.id, from: [first.id] } });
    expect(itself.isError).toBe(true);
    expect(result(itself)).toEqual({
      error: "from must not contain the contact merged into (the id in the path)",
      code: "validation_failed",
      details: [{ field: "from", message: "must not contain the contact merged into (the id in the path)" }],
    });
    const merged = result(await client.callTool({ name: "merge_contacts", arguments: { id: first.id, from: [second.id] } }));
    expect(merged).toEqual((await call("GET", `/v1/contacts/${first.id}`, { key: ws.key })).body);
    expect(merged).toMatchObject({ email: "grace@navy.example", tags: ["a", "b"] });
    expect((await call("GET", `/v1/contacts/${second.id}`, { key: ws.key })).body.merged_into).toBe(first.id);

    const reader = await connect(await keyWith(ws, ["contacts:read"]));
    const refused = await reader.callTool({ name: "merge_contacts", arguments: { id: first.id, from: [second.id] } });
    expect(result(refused)).toEqual({ error: "contacts:write permission required", code: "forbidden" });
    await Promise.all([client.close(), reader.close()]);
  });

  it("saves a public profile by handle with source mcp, reads profiles, scans and limits", async () => {
    const owner = await newWorkspace();
    const profile = await call("POST", "/v1/profiles", {
      key: owner.key,
      body: { handle: `mcp-card-${Date.now() % 100000}`, name: "Dorothy Vaughan", title: "Supervisor" },
    });
    const client = await connect(t.key);
    const read = await client.callTool({ name: "get_profile", arguments: { handle: profile.body.handle } });
    expect(result(read)).toEqual(profile.body);
    const saved = await client.callTool({ name: "save_profile", arguments: { handle: profile.body.handle } });
    expect(result(saved)).toMatchObject({
      first_name: "Dorothy",
      last_name: "Vaughan",
      job_title: "Supervisor",
      source: "mcp",
      profile_id: profile.body.id,
    });
    const again = await client.callTool({ name: "save_profile", arguments: { profile_id: profile.body.id } });
    expect(again.isError).toBe(true);
    expect(result(again)).toMatchObject({ error: "A contact with this profile_id already exists", code: "duplicate_contact" });
    const limits = await client.callTool({ name: "contact_limits", arguments: {} });
    expect(result(limits)).toEqual((await call("GET", "/v1/contacts/limits", { key: t.key })).body);
    const scans = await client.callTool({ name: "recent_scans", arguments: { limit: 5 } });
    expect(result(scans)).toEqual({ data: [], pagination: { page: 1, limit: 5, total: 0, total_exact: true, next_cursor: null } });
    await client.close();
  });

  it("refuses writes to a read-only key with the HTTP API's message", async () => {
    const client = await connect(await keyWith(t, ["contacts:read"]));
    const refused = await client.callTool({ name: "create_contact", arguments: { first_name: "Nope" } });
    expect(refused.isError).toBe(true);
    expect(result(refused)).toEqual({ error: "contacts:write permission required", code: "forbidden" });
    const search = await client.callTool({ name: "search_contacts", arguments: {} });
    expect(search.isError).toBeFalsy();
    await client.close();
  });

  it("refuses a request without a key, or with an unknown one, with 401 and a Bearer challenge", async () => {
    await expect(connect()).rejects.toThrow(/401|Missing API key/);
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const accept = { accept: "application/json, text/event-stream" };
    expectKeyRefused(await call("POST", "/mcp", { body: list, headers: accept }), "Missing API key");
    expectKeyRefused(
      await call("POST", "/mcp", {
        body: list,
        headers: { ...accept, authorization: "Bearer cbx_0000000000000000000000000000000000000000" },
      }),
      "Invalid API key",
    );
  });

  it("reports validation failures and the plan limit as tool errors", async () => {
    const full = await newWorkspace("free");
    const client = await connect(full.key);
    const invalid = await client.callTool({ name: "create_contact", arguments: { last_name: "Only" } });
    expect(result(invalid)).toMatchObject({ error: "first_name is required", code: "validation_failed" });
    await call("POST", "/v1/contacts/batch", {
      key: full.key,
      body: { contacts: Array.from({ length: 100 }, (_, i) => ({ first_name: `F${i}` })) },
    });
    const limited = await client.callTool({ name: "create_contact", arguments: { first_name: "Over" } });
    expect(limited.isError).toBe(true);
    expect(result(limited)).toEqual({ error: "Contact limit reached for this workspace's plan", code: "contact_limit_reached" });
    await client.close();
  });

  it("cannot see another workspace's contact", async () => {
    const other = await newWorkspace();
    const theirs = await call("POST", "/v1/contacts", { key: other.key, body: { first_name: "Private" } });
    const client = await connect(t.key);
    const got = await client.callTool({ name: "get_contact", arguments: { id: theirs.body.id } });
    expect(result(got)).toEqual({ error: "Contact not found", code: "not_found" });
    const tag = await client.callTool({ name: "add_tags", arguments: { id: theirs.body.id, tags: ["x"] } });
    expect(result(tag)).toEqual({ error: "Contact not found", code: "not_found" });
    const search = await client.callTool({ name: "search_contacts", arguments: { q: "private" } });
    expect(result(search).data).toEqual([]);
    await client.close();
  });
});
