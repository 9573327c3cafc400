import { describe, expect, it } from "vitest";
import { call, expectError, newWorkspace } from "./helpers";

describe("conventions", () => {
  it("sets x-request-id on every answer and echoes a valid incoming one", async () => {
    const mine = await call("GET", "/healthz", { headers: { "x-request-id": "req-123_abc" } });
    expect(mine.headers.get("x-request-id")).toBe("req-123_abc");
    const invalid = await call("GET", "/healthz", { headers: { "x-request-id": "bad id with spaces" } });
    expect(invalid.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const error = await call("GET", "/v1/contacts");
    expect(error.headers.get("x-request-id")).toBe(error.body.request_id);
  });

  it("answers unknown routes with a JSON 404 and a wrong method with 405 and Allow", async () => {
    expectError(await call("GET", "/nowhere"), 404, "not_found", "No route for GET /nowhere");
    const t = await newWorkspace();
    const wrong = await call("DELETE", "/v1/contacts", { key: t.key });
    expectError(wrong, 405, "method_not_allowed", "DELETE is not allowed here; use GET, HEAD, POST");
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, POST");
    const upsert = await call("GET", "/v1/contacts/upsert", { key: t.key });
    expectError(upsert, 405, "method_not_allowed");
    expect(upsert.headers.get("allow")).toBe("POST");
    const byId = await call("POST", "/v1/contacts/7d3f1e2a-5b6c-4d7e-8f90-a1b2c3d4e5f6", { key: t.key, body: {} });
    expect(byId.headers.get("allow")).toBe("GET, HEAD, PUT, PATCH, DELETE");
  });

  it("serves every /v1 route below /api/v1", async () => {
    const t = await newWorkspace();
    const created = await call("POST", "/api/v1/contacts", { key: t.key, body: { first_name: "Mirror" } });
    expect(created.status).toBe(201);
    expect((await call("GET", `/v1/contacts/${created.body.id}`, { key: t.key })).body).toEqual(created.body);
  });

  it("reports health", async () => {
    const res = await call("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });
});

describe("OpenAPI and docs", () => {
  it("serves an OpenAPI 3.1 document listing every route with its schemas", async () => {
    const res = await call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const op of [
      "GET /v1/contacts",
      "POST /v1/contacts",
      "POST /v1/contacts/upsert",
      "POST /v1/contacts/batch",
      "GET /v1/contacts/deleted",
      "GET /v1/contacts/duplicates",
      "GET /v1/contacts/limits",
      "GET /v1/contacts/{id}",
      "PUT /v1/contacts/{id}",
      "PATCH /v1/contacts/{id}",
      "DELETE /v1/contacts/{id}",
      "POST /v1/contacts/{id}/tags/add",
      "POST /v1/contacts/{id}/tags/remove",
      "POST /v1/contacts/{id}/merge",
      "GET /v1/contacts/{id}/vcard",
      "GET /v1/tags",
      "GET /v1/sites",
      "POST /v1/sites",
      "GET /v1/sites/{id}",
      "PATCH /v1/sites/{id}",
      "DELETE /v1/sites/{id}",
      "GET /v1/api-keys",
      "POST /v1/api-keys",
      "DELETE /v1/api-keys/{id}",
      "GET /v1/me",
      "POST /admin/workspaces",
      "PATCH /admin/workspaces/{id}",
      "POST /admin/workspaces/{id}/api-keys",
      "DELETE /admin/workspaces/{id}",
      "POST /v1/profiles",
      "GET /v1/profiles",
      "GET /v1/profiles/{id}",
      "PATCH /v1/profiles/{id}",
      "DELETE /v1/profiles/{id}",
      "GET /v1/profiles/{id}/stats",
      "GET /v1/profiles/{id}/qr.svg",
      "POST /v1/contacts/scans",
      "GET /v1/contacts/scans",
      "GET /v1/analytics/sources",
      "POST /v1/webhooks",
      "GET /v1/webhooks",
      "GET /v1/webhooks/{id}",
      "PATCH /v1/webhooks/{id}",
      "DELETE /v1/webhooks/{id}",
      "POST /v1/webhooks/{id}/rotate-secret",
      "POST /v1/webhooks/{id}/test",
      "GET /v1/webhooks/{id}/deliveries",
      "POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    ]) {
      expect(operations).toContain(op);
    }
    const create = doc.paths["/v1/contacts"].post;
    expect(create.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ContactCreate" });
    expect(create.responses["201"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Contact" });
    expect(create.responses["409"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    expect(Object.keys(doc.components.schemas.Contact.properties)).toEqual([
      "id",
      "first_name",
      "last_name",
      "name",
      "email",
      "phone",
      "job_title",
      "company",
      "location",
      "linkedin_url",
      "photo_url",
      "stage",
      "notes",
      "custom_fields",
      "tags",
      "site",
      "source",
      "profile_id",
      "captured_by_profile_id",
      "consent_at",
      "created_at",
      "updated_at",
      "saved_at",
    ]);
    type Param = { name: string; in: string; description: string; schema: object };
    const parameters = doc.paths["/v1/contacts"].get.parameters as Param[];
    const params = parameters.filter((p) => p.in === "query" && !p.description?.startsWith("The same as")).map((p) => p.name);
    expect(params).toEqual([
      "page",
      "limit",
      "cursor",
      "q",
      "tags",
      "stage",
      "source",
      "site_id",
      "profile_id",
      "email",
      "phone",
      "created_after",
      "created_before",
      "updated_after",
      "sort",
    ]);
    // Every other spelling the server reads is a parameter too, with the schema of the one it stands for.
    const byName = Object.fromEntries(parameters.map((p) => [p.name, p]));
    for (const [other, canonical] of [
      ["per_page", "limit"],
      ["perPage", "limit"],
      ["siteId", "site_id"],
      ["createdAfter", "created_after"],
    ] as const) {
      expect(byName[other]).toEqual({
        name: other,
        in: "query",
        required: false,
        description: `The same as \`${canonical}\` (send one spelling only).`,
        schema: byName[canonical]!.schema,
      });
    }
    expect(byName.limit!.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    expect(doc.components.securitySchemes.ApiKey).toEqual({ type: "apiKey", in: "header", name: "x-api-key" });
  });

  it("serves the interactive reference: a page that loads its own script and the document, under a self-only policy", async () => {
    const res = await call("GET", "/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(res.text).toContain('<script src="/docs/scalar.js"></script>');
    const configuration = /data-configuration="([^"]+)"/.exec(res.text)![1]!.replaceAll("&quot;", '"');
    expect(JSON.parse(configuration)).toMatchObject({
      url: "/openapi.json",
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
    });
  });
});
