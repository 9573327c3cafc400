import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { BASE, call, expectError, newWorkspace, type Tenant } from "./helpers";

/**
 * D1's Sessions API: every request runs in one session, every answer carries its bookmark in
 * `x-cardbox-bookmark`, and a request that sends one back reads at least that state. Locally there
 * are no replicas, so these tests prove the wire contract and which session each request opens.
 */

const HEADER = "x-cardbox-bookmark";
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

let t: Tenant;
beforeAll(async () => {
  t = await newWorkspace("business");
});

const countContacts = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?").bind(t.workspaceId).first<{ n: number }>())!.n;

/** Sends one request to a fresh app whose D1 binding records the constraint or bookmark of each session it opens. */
async function sendRecordingSessions(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const opened: (string | undefined)[] = [];
  const recording = new Proxy(env.DB, {
    get(target, name) {
      if (name === "withSession")
        return (constraint?: string) => {
          opened.push(constraint);
          return target.withSession(constraint);
        };
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { "x-api-key": t.key, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    { ...env, DB: recording },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, bookmark: res.headers.get(HEADER), opened };
}

describe("x-cardbox-bookmark", () => {
  it("a write answers its bookmark, and a read sent with it sees the write and answers a bookmark no older", async () => {
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Bookmarked" } });
    expect(created.status).toBe(201);
    const written = created.headers.get(HEADER);
    expect(written).toMatch(BOOKMARK);

    const read = await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key, headers: { [HEADER]: written! } });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.get(HEADER)).toMatch(BOOKMARK);
    // Bookmarks are fixed-width hex: their order as strings is the order of the states they name.
    expect(read.headers.get(HEADER)! >= written!).toBe(true);
  });

  it("every answer that touched the database carries one: reads without a bookmark, errors, public pages", async () => {
    const answers = await Promise.all([
      call("GET", "/v1/contacts?limit=1", { key: t.key }),
      call("GET", "/v1/contacts/00000000-0000-4000-8000-000000000000", { key: t.key }),
      call("GET", "/q/no-such-handle"),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 404, 404]);
    for (const answer of answers) expect(answer.headers.get(HEADER)).toMatch(BOOKMARK);
  });

  it("a read without a bookmark may start on any replica; one that may write starts on the primary; a bookmark is passed on as sent", async () => {
    const bookmark = (await call("GET", "/v1/contacts?limit=1", { key: t.key })).headers.get(HEADER)!;
    const answers = [
      await sendRecordingSessions("GET", "/v1/contacts?limit=1"),
      await sendRecordingSessions("POST", "/v1/contacts", {}, { first_name: "Primary" }),
      await sendRecordingSessions("GET", "/v1/contacts?limit=1", { [HEADER]: bookmark }),
      await sendRecordingSessions(
        "PATCH",
        "/v1/contacts/00000000-0000-4000-8000-000000000000",
        { [HEADER]: ` ${bookmark} ` },
        { company: "x" },
      ),
    ];
    expect(answers.map((a) => [a.status, a.opened])).toEqual([
      [200, ["first-unconstrained"]],
      [201, ["first-primary"]],
      [200, [bookmark]],
      [404, [bookmark]],
    ]);
    for (const answer of answers) expect(answer.bookmark).toMatch(BOOKMARK);
  });

  it.each([
    ["words", "latest"],
    ["a path", "../00000001"],
    ["a trailing dash", "0000000a-"],
    ["a space inside", "0000000a 0000000b"],
    ["non-ASCII", "0000000é"],
    ["too long", "0".repeat(129)],
  ])("a malformed bookmark (%s) answers 400 and writes nothing", async (_, bookmark) => {
    const before = await countContacts();
    const res = await call("POST", "/v1/contacts", { key: t.key, headers: { [HEADER]: bookmark }, body: { first_name: "Never" } });
    expectError(res, 400, "bad_request", "x-cardbox-bookmark is not a bookmark this API gave out");
    expect(res.headers.get(HEADER)).toBeNull();
    expect(await countContacts()).toBe(before);
  });

  it("browsers may send it and read it across origins", async () => {
    const res = await call("OPTIONS", "/v1/contacts", {
      headers: { origin: "https://app.example", "access-control-request-method": "GET", "access-control-request-headers": HEADER },
    });
    expect(res.headers.get("access-control-allow-headers")).toContain(HEADER);
    const read = await call("GET", "/v1/contacts?limit=1", { key: t.key, headers: { origin: "https://app.example" } });
    expect(read.status).toBe(200);
    expect(read.headers.get("access-control-expose-headers")).toContain(HEADER);
  });
});

describe("a replica that lags", () => {
  it("a key made a moment ago is found on the primary when the request's replica does not know it yet", async () => {
    const fresh = await newWorkspace("business");
    // A session that stands for a replica without the new key: its key lookup finds nothing.
    const lagging = new Proxy(env.DB, {
      get(target, name) {
        if (name === "withSession")
          return (constraint?: string) => {
            const session = target.withSession(constraint);
            return {
              getBookmark: () => session.getBookmark(),
              batch: (statements: D1PreparedStatement[]) => session.batch(statements),
              prepare: (sql: string) =>
                session.prepare(/\bfrom "?api_keys"?/i.test(sql) ? `${sql.replace(/\bwhere\b/i, "WHERE 0 AND")}` : sql),
            };
          };
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}/v1/me`, { headers: { "x-api-key": fresh.key } }),
      { ...env, DB: lagging },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { workspace: { id: string } }).workspace.id).toBe(fresh.workspaceId);
  });
});
