import { describe, expect, it } from "vitest";
import { call, expectError, ISO_MS, newWorkspace, UUID } from "./helpers";

describe("sites", () => {
  it("creates, lists, renames and deletes; contacts show the current title and lose the site on delete", async () => {
    const t = await newWorkspace();
    const site = await call("POST", "/v1/sites", { key: t.key, body: { title: "Web Summit booth" } });
    expect(site.status).toBe(201);
    expect(site.body).toEqual({
      id: expect.stringMatching(UUID),
      title: "Web Summit booth",
      created_at: expect.stringMatching(ISO_MS),
      updated_at: expect.stringMatching(ISO_MS),
    });
    const contact = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Met", siteId: site.body.id } });
    const list = await call("GET", "/v1/sites", { key: t.key });
    expect(list.body).toEqual({ data: [site.body], pagination: { page: 1, limit: 25, total: 1, total_exact: true, next_cursor: null } });
    const renamed = await call("PATCH", `/v1/sites/${site.body.id}`, { key: t.key, body: { title: "Hall 2" } });
    expect(renamed.body).toMatchObject({ id: site.body.id, title: "Hall 2" });
    expect((await call("GET", `/v1/contacts/${contact.body.id}`, { key: t.key })).body.site).toEqual({ id: site.body.id, title: "Hall 2" });
    expect((await call("GET", `/v1/sites/${site.body.id}`, { key: t.key })).body.title).toBe("Hall 2");
    const removed = await call("DELETE", `/v1/sites/${site.body.id}`, { key: t.key });
    expect(removed.body).toEqual({ success: true, id: site.body.id });
    expect((await call("GET", `/v1/contacts/${contact.body.id}`, { key: t.key })).body.site).toBeNull();
    expectError(await call("GET", `/v1/sites/${site.body.id}`, { key: t.key }), 404, "not_found", "Site not found");
  });

  it("refuses an empty or over-long title", async () => {
    const t = await newWorkspace();
    expectError(await call("POST", "/v1/sites", { key: t.key, body: { title: "" } }), 400, "validation_failed", "title must not be empty");
    expectError(
      await call("POST", "/v1/sites", { key: t.key, body: { title: "x".repeat(257) } }),
      400,
      "validation_failed",
      "title must be at most 256 characters",
    );
  });
});
