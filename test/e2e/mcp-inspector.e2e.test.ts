import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, provision, type RunningServer, startServer } from "./server";

const INSPECTOR = path.resolve(import.meta.dirname, "../../node_modules/.bin/mcp-inspector");
/** The inspector's exit codes for a refused login and for a tool that answered isError. */
const AUTH_REQUIRED = 3;
const TOOL_ERROR = 5;
const TOOL_NAMES = [
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
];

let server: RunningServer;
let key: string;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the official MCP inspector's CLI against the server's `/mcp`, as a CI job would: JSON out,
 * never an interactive OAuth login, the key as a Bearer header. Node 22 (vitest's own) comes first
 * on PATH, and HOME is a fresh directory, so no stored login or catalog is read or written. `null`
 * sends no key.
 */
function inspector(args: string[], bearer: string | null = key): Promise<Run> {
  const auth = bearer ? ["--header", `Authorization: Bearer ${bearer}`] : [];
  return new Promise((resolve) => {
    execFile(
      INSPECTOR,
      ["--cli", `${server.base}/mcp`, "--transport", "http", ...auth, "--stored-auth-only", "--format", "json", ...args],
      {
        env: { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`, HOME: home },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
    );
  });
}

/** The `result` of a run that succeeded. */
function resultOf(run: Run) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).result;
}

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), "cardbox-inspector-"));
  server = await startServer();
  key = await provision(server.base, "free");
});

afterAll(async () => {
  await server?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe("the MCP inspector's CLI against the README's server", () => {
  it("lists every tool with a title, its annotations and an output schema, and finds no unportable schema", async () => {
    const { tools } = resultOf(await inspector(["--method", "tools/list", "--strict"]));
    expect(tools.map((tool: { name: string }) => tool.name).sort()).toEqual(TOOL_NAMES);
    for (const tool of tools) {
      expect(tool.title, tool.name).toEqual(expect.any(String));
      expect(tool.annotations, tool.name).toEqual({
        title: tool.title,
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
        openWorldHint: false,
      });
      expect(tool.outputSchema, tool.name).toMatchObject({ type: "object", properties: expect.any(Object) });
    }
    const byName = Object.fromEntries(tools.map((tool: { name: string }) => [tool.name, tool]));
    expect(byName.search_contacts.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.create_contact.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(byName.update_contact.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    const fields = byName.create_contact.inputSchema.properties;
    expect(fields.stage).toMatchObject({ type: "string", pattern: expect.any(String), description: expect.stringContaining("`Customer`") });
    expect("cUsToMeR").toMatch(new RegExp(fields.stage.pattern));
    expect(fields.custom_fields).toMatchObject({ type: "object", additionalProperties: expect.any(Object) });
  });

  it("creates a contact with --tool-arg, answers it as structured content, and finds it with search_contacts", async () => {
    const created = resultOf(
      await inspector([
        "--method",
        "tools/call",
        "--tool-name",
        "create_contact",
        "--tool-arg",
        "name=Grace Hopper",
        "company=US Navy",
        "stage=customer",
        'tags=["COBOL"]',
      ]),
    );
    expect(created.isError).toBeUndefined();
    const contact = created.structuredContent;
    expect(JSON.parse(created.content[0].text)).toEqual(contact);
    expect(contact).toMatchObject({
      first_name: "Grace",
      last_name: "Hopper",
      company: "US Navy",
      stage: "Customer",
      tags: ["cobol"],
      source: "mcp",
    });
    const viaHttp = await apiClient(server.base, key)("GET", `/v1/contacts/${contact.id}`);
    expect(viaHttp.body).toEqual(contact);

    const found = resultOf(await inspector(["--method", "tools/call", "--tool-name", "search_contacts", "--tool-arg", "q=grace"]));
    expect(found.structuredContent).toEqual({
      data: [contact],
      pagination: { page: 1, limit: 25, total: 1, total_exact: true, next_cursor: null },
    });
  });

  it("reports a refused call as the tool's error, with the API's message and no structured content", async () => {
    const run = await inspector(["--method", "tools/call", "--tool-name", "create_contact", "--tool-arg", "last_name=Only"]);
    expect(run.code).toBe(TOOL_ERROR);
    const { result } = JSON.parse(run.stdout);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(JSON.parse(result.content[0].text)).toMatchObject({ error: "first_name is required", code: "validation_failed" });
  });

  it("fails with auth_required without a key or with an unknown one, the server answering 401 with a Bearer challenge", async () => {
    for (const [bearer, error] of [
      [null, "Missing API key"],
      ["cbx_0000000000000000000000000000000000000000", "Invalid API key"],
    ] as const) {
      const run = await inspector(["--method", "tools/list"], bearer);
      expect(run.code, run.stderr).toBe(AUTH_REQUIRED);
      expect(run.stdout).toBe("");
      expect(JSON.parse(run.stderr.trim().split("\n").at(-1)!).error).toMatchObject({
        code: "auth_required",
        message: expect.stringContaining(error),
      });
    }
    const res = await fetch(`${server.base}/mcp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="cardbox"');
  });
});
