import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "./helpers";

describe("smoke", () => {
  it("creates and reads a contact", async () => {
    const t = await newWorkspace();
    const created = await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Sarah", last_name: "Connor", email: "sarah@x.example" } });
    console.log(created.status, created.text);
    const list = await call("GET", "/v1/contacts?q=sar", { key: t.key });
    console.log(list.status, list.text);
    expect(list.status).toBe(200);
  });
});
