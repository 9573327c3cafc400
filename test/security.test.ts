import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, expectKeyRefused, keyWith, newWorkspace, type Tenant } from "./helpers";
import { ALL, type Fixture, fixture, ownerState, type Perm, PREFIXES, pathOf, protectedRoutes, SUCCESS } from "./route-table";

/**
 * The security triad, run over the app's own route table: every route that takes an API key is
 * found there with the permission it requires, on both prefixes, so a route is covered the day it
 * is added. Each needs a success case in ./route-table.ts (a valid body and its status), or this file fails.
 */

let owner: Tenant;
let stranger: Tenant;
const keysWithout = new Map<Perm, string>();

const ROUTES = protectedRoutes();

beforeAll(async () => {
  owner = await newWorkspace("business");
  stranger = await newWorkspace("business");
  for (const p of ALL)
    keysWithout.set(
      p,
      await keyWith(
        owner,
        ALL.filter((x) => x !== p),
      ),
    );
});

it("finds every protected route in the app's route table, each with a success case", () => {
  expect(ROUTES.length).toBeGreaterThan(40);
  expect(ROUTES.map((r) => `${r.method} ${r.pattern}`).filter((name) => !SUCCESS[name])).toEqual([]);
  // Only `/v1/me` is open to every key.
  expect(ROUTES.filter((r) => r.permission === null).map((r) => `${r.method} ${r.pattern}`)).toEqual(["GET /me"]);
});

describe.each(ROUTES.map((r) => [`${r.method} ${r.pattern}`, r] as const))("%s", (name, route) => {
  const success = SUCCESS[name]!;
  const send = (key: string | undefined, f: Fixture, prefix: string) => {
    const file = success.file?.();
    const upload = file && { raw: file.text, headers: { "content-type": file.type } };
    return call(route.method, `${prefix}${pathOf(route.pattern, f)}`, { key, body: success.body?.(f), ...upload });
  };

  it.each(PREFIXES)("below %s: no key → 401 with a Bearer challenge, an unknown key → 401 with invalid_token", async (prefix) => {
    const f = await fixture(owner);
    expectKeyRefused(await send(undefined, f, prefix), "Missing API key");
    expectKeyRefused(await send("cbx_0000000000000000000000000000000000000000", f, prefix), "Invalid API key");
  });

  if (route.permission) {
    const permission = route.permission;
    it.each(PREFIXES)(`below %s: a key without ${permission} → 403`, async (prefix) => {
      expectError(
        await send(keysWithout.get(permission), await fixture(owner), prefix),
        403,
        "forbidden",
        `${permission} permission required`,
      );
    });
  }

  it.each(PREFIXES)(`below %s: the right permission → ${success.ok}`, async (prefix) => {
    const res = await send(owner.key, await fixture(owner), prefix);
    expect(res.status, res.text).toBe(success.ok);
  });

  if (route.pattern.includes(":")) {
    it.each(PREFIXES)("below %s: another workspace's id → 404, and the owner's state is unchanged", async (prefix) => {
      const f = await fixture(owner);
      const before = await ownerState(owner);
      expectError(await send(stranger.key, f, prefix), 404, "not_found", /not found$/);
      expect(await ownerState(owner)).toEqual(before);
    });
  }
});

describe("MCP", () => {
  it("answers 401 with a Bearer challenge without a key", async () => {
    expectKeyRefused(
      await call("POST", "/mcp", {
        body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
        headers: { accept: "application/json, text/event-stream" },
      }),
      "Missing API key",
    );
  });
});

describe("workspace isolation on lists", () => {
  it("another workspace sees none of the owner's contacts, tags, sites, keys or tombstones", async () => {
    const f = await fixture(owner);
    const gone = await fixture(owner);
    await call("DELETE", `/v1/contacts/${gone.contact}`, { key: owner.key });
    for (const path of [
      "/v1/contacts",
      "/v1/tags",
      "/v1/sites",
      "/v1/contacts/deleted",
      `/v1/contacts?q=owned`,
      `/v1/contacts?tags=t`,
      "/v1/profiles",
      "/v1/webhooks",
    ]) {
      const res = await call("GET", path, { key: stranger.key });
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body.data)).not.toContain(f.contact);
      expect(
        res.body.data.filter(
          (x: { id?: string; tag?: string }) =>
            x.tag === "t" || [f.contact, f.site, f.profile, f.webhook, gone.contact].includes(x.id ?? ""),
        ),
      ).toEqual([]);
    }
    const keys = await call("GET", "/v1/api-keys", { key: stranger.key });
    expect(keys.body.data).toHaveLength(1);
  });

  it("a key cannot grant a permission it does not hold", async () => {
    const readOnly = await keyWith(owner, ["contacts:read", "keys:manage"]);
    const res = await call("POST", "/v1/api-keys", { key: readOnly, body: { name: "escalate", permissions: ["contacts:write"] } });
    expectError(res, 403, "forbidden", "contacts:write permission required to grant it");
  });
});
