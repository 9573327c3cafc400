import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import createClient from "openapi-fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCardboxClient, type paths } from "../../clients/typescript";
import { type RunningServer, startServer } from "./server";

/**
 * The typed client in clients/typescript, generated from the served document, against the
 * README's server: the committed types match the document (else the build breaks), and every
 * call of the README's tour type-checks (`npm run typecheck`) and answers as the README says.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("the typed client", () => {
  it("is generated from the document the server serves (no drift)", async () => {
    const run = promisify(execFile)(path.join(ROOT, "node_modules/.bin/node"), ["scripts/generate-client.mjs", "--check", server.base], {
      cwd: ROOT,
    });
    await expect(run).resolves.toMatchObject({ stdout: "clients/typescript/schema.d.ts matches the served document.\n" });
  }, 60_000);

  it("runs the README's tour, CRM-shaped bodies and query aliases included", async () => {
    const admin = createClient<paths>({ baseUrl: server.base, headers: { authorization: "Bearer dev-admin-token" } });
    const made = await admin.POST("/admin/workspaces", { body: { name: "Acme", plan: "free" } });
    expect(made.response.status).toBe(201);
    const key = made.data!.api_key.key;
    const api = createCardboxClient(server.base, key);

    // Create: the prospecting seed's shape, then the CRM seed's.
    const sarah = await api.POST("/v1/contacts", {
      body: {
        first_name: "Sarah",
        last_name: "Connor",
        email: "sarah@futuretech.example",
        job_title: "Director of Sales",
        company: "Future Tech Inc",
      },
    });
    expect([sarah.response.status, sarah.data?.name, sarah.data?.source]).toEqual([201, "Sarah Connor", "api"]);
    const ada = await api.POST("/v1/contacts", {
      body: { name: "Ada Lovelace", phoneNumber: "+44 20 7946 0000", stage: "Subscriber", customFields: { tier: "gold" }, tags: ["vip"] },
    });
    expect(ada.response.status).toBe(201);
    expect(ada.data).toMatchObject({
      first_name: "Ada",
      last_name: "Lovelace",
      phone: "+44 20 7946 0000",
      custom_fields: { tier: "gold" },
      tags: ["vip"],
    });
    const id = ada.data!.id;

    // List, search (an alias), sort.
    const page = await api.GET("/v1/contacts", { params: { query: { limit: 25 } } });
    expect([page.response.status, page.data?.pagination.total]).toEqual([200, 2]);
    const found = await api.GET("/v1/contacts", { params: { query: { searchText: "ada", tags: "vip" } } });
    expect(found.data?.data.map((c) => c.id)).toEqual([id]);
    const sorted = await api.GET("/v1/contacts", { params: { query: { sort: "name" } } });
    expect(sorted.data?.data.map((c) => c.name)).toEqual(["Ada Lovelace", "Sarah Connor"]);

    // One contact: read with its ETag, patch under If-Match, tags, vCard.
    const one = await api.GET("/v1/contacts/{id}", { params: { path: { id } } });
    const etag = one.response.headers.get("etag")!;
    expect([one.response.status, etag]).toEqual([200, expect.stringMatching(/^"/)]);
    const patched = await api.PATCH("/v1/contacts/{id}", {
      params: { path: { id }, header: { "If-Match": etag } },
      body: { company: "Analytical Engines" },
    });
    expect([patched.response.status, patched.data?.company]).toEqual([200, "Analytical Engines"]);
    const stale = await api.PATCH("/v1/contacts/{id}", { params: { path: { id }, header: { "If-Match": etag } }, body: { company: "X" } });
    expect([stale.response.status, stale.error?.code]).toEqual([412, "precondition_failed"]);
    const tagged = await api.POST("/v1/contacts/{id}/tags/add", { params: { path: { id } }, body: { tags: ["pioneer"] } });
    expect(tagged.data?.tags).toEqual(["vip", "pioneer"]);
    const vcard = await api.GET("/v1/contacts/{id}/vcard", { params: { path: { id } }, parseAs: "text" });
    expect(vcard.data).toContain("FN:Ada Lovelace");

    // Upsert, batch, limits through the /api mirror, tags in use.
    const upserted = await api.POST("/v1/contacts/upsert", { body: { email: "sarah@futuretech.example", stage: "Qualified" } });
    expect([upserted.response.status, upserted.data?.id, upserted.data?.stage]).toEqual([200, sarah.data!.id, "Qualified"]);
    const batch = await api.POST("/v1/contacts/batch", { body: { contacts: [{ first_name: "Grace" }, { first_name: "Alan" }] } });
    expect([batch.response.status, batch.data?.results.map((r) => r.status)]).toEqual([207, [201, 201]]);
    const mirror = createCardboxClient(`${server.base}/api`, key);
    const limits = await mirror.GET("/v1/contacts/limits");
    expect([limits.response.status, limits.data?.used]).toEqual([200, 4]);
    const tags = await api.GET("/v1/tags");
    expect(tags.data?.data.map((t) => t.tag)).toEqual(["pioneer", "vip"]);

    // A business card: profile, QR code, a scan through /q, stats.
    const profile = await api.POST("/v1/profiles", {
      body: { handle: "ada", name: "Ada Lovelace", title: "Mathematician", company: "Analytical Engines" },
    });
    expect(profile.response.status).toBe(201);
    const profileId = profile.data!.id;
    const qr = await api.GET("/v1/profiles/{id}/qr.svg", { params: { path: { id: profileId } }, parseAs: "text" });
    expect(qr.data).toMatch(/^<svg/);
    const scan = await fetch(`${server.base}/q/ada`, {
      redirect: "manual",
      headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148" },
    });
    expect([scan.status, scan.headers.get("location")]).toEqual([302, "/p/ada?via=qr"]);
    let stats = await api.GET("/v1/profiles/{id}/stats", { params: { path: { id: profileId } } });
    for (let tries = 0; stats.data?.total !== 1 && tries < 40; tries++) {
      await new Promise((r) => setTimeout(r, 250));
      stats = await api.GET("/v1/profiles/{id}/stats", { params: { path: { id: profileId } } });
    }
    expect([stats.response.status, stats.data?.total]).toEqual([200, 1]);

    // Webhooks, keys, who am I (as a bearer token), delete.
    const hook = await api.POST("/v1/webhooks", {
      body: { url: "https://crm.example/hooks/cardbox", events: ["contact.created", "scan.recorded"] },
    });
    expect([hook.response.status, hook.data?.secret]).toEqual([201, expect.stringMatching(/^whsec_/)]);
    const reader = await api.POST("/v1/api-keys", { body: { name: "CRM sync", permissions: ["contacts:read"] } });
    expect([reader.response.status, reader.data?.permissions]).toEqual([201, ["contacts:read"]]);
    const bearer = createClient<paths>({ baseUrl: server.base, headers: { authorization: `Bearer ${key}` } });
    const me = await bearer.GET("/v1/me");
    expect([me.response.status, me.data?.workspace.name]).toEqual([200, "Acme"]);
    const deleted = await api.DELETE("/v1/contacts/{id}", { params: { path: { id } } });
    expect([deleted.response.status, deleted.data]).toEqual([200, { success: true, id }]);
  }, 120_000);
});

describe("npm start, the dev server", () => {
  it("keeps no local traces unless asked (X_LOCAL_OBSERVABILITY), and still prints a line for every request", async () => {
    const health = await fetch(`${server.base}/healthz`);
    expect(health.status).toBe(200);
    // wrangler dev's trace store (the local explorer's observability API) is not there at all.
    const traces = await fetch(`${server.base}/cdn-cgi/local/explorer/api/local/observability/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sql: "SELECT count(*) AS spans FROM spans" }),
    });
    expect(traces.status).toBe(404);
    expect(await traces.json()).toEqual({
      success: false,
      errors: [{ code: 10130, message: "Local observability is not enabled for this dev session." }],
      messages: [],
      result: null,
    });
    // What a developer reads in the terminal is unchanged: wrangler's line for each request.
    await expect.poll(() => server.output()).toMatch(/\[wrangler:info\] GET \/healthz 200 OK \(\d+ms\)/);
  });
});
