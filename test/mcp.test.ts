import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, call, keyWith, newWorkspace, type Tenant } from "./helpers";

/** The official SDK client over Streamable HTTP, talking to the Worker's own fetch handler. */
async function connect(key?: string) {
  const client = new Client({ name: "cardbox-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    requestInit: { headers: key ? { "x-api-key": key } : {} },
    fetch: (url, init) => exports.default.fetch(new Request(url, init)),
  });
  await client.connect(transport);
  return client;
}

const result = (r: Awaited<ReturnType<Client["callTool"]>>) => JSON.parse((r.content as { text: string }[])[0]!.text);

let t: Tenant;
beforeAll(async () => {
  t = await newWorkspace("free");
});

describe("MCP server", () => {
  it("lists the tools with input schemas", async () => {
    const client = await connect(t.key);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "add_tags",
      "contact_limits",
      "create_contact",
      "get_contact",
      "get_profile",
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

  it("refuses a request without a key with 401", async () => {
    await expect(connect()).rejects.toThrow(/401|Missing API key/);
    const res = await call("POST", "/mcp", {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { accept: "application/json, text/event-stream" },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: "Missing API key", code: "unauthorized" });
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
