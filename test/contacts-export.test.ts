import { parse } from "csv-parse/sync";
import { beforeEach, describe, expect, it } from "vitest";
import { call, newWorkspace, type Tenant } from "./helpers";

let t: Tenant;
beforeEach(async () => {
  t = await newWorkspace("business");
});

describe("smoke", () => {
  it("exports csv", async () => {
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "Ada", email: "ada@x.example", custom_fields: { tier: "gold" }, tags: ["vip", "b"] } });
    await call("POST", "/v1/contacts", { key: t.key, body: { first_name: "=cmd", phone: "+1 555", notes: "a,\"b\"\nc" } });
    const res = await call("GET", "/v1/contacts/export?format=csv", { key: t.key });
    console.log(res.status, [...res.headers], JSON.stringify(res.text));
    console.log(parse(res.text, { bom: true, columns: true }));
    const v = await call("GET", "/v1/contacts/export?format=vcf&tags=vip", { key: t.key });
    console.log(v.status, v.text);
    const n = await call("GET", "/v1/contacts/export?format=ndjson&q=ada", { key: t.key });
    console.log(n.status, n.text);
  });
});
