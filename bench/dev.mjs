// `npm run bench:dev`: the same Cardbox scenarios against `npm start` (wrangler dev), the way a
// developer runs it. No reference and no targets: wrangler's dev proxy sits in front of every
// request and dominates, so these numbers describe the dev loop, not the platform.
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { apiClient, provision, startServer } from "../test/e2e/server";
import { CONNECTIONS, drive } from "./drive.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONTACTS = 10_000;
const DURATION = 10;

async function run(name, path, options = {}) {
  const row = await drive(name, server.base, { path, ...options }, { duration: DURATION, warmup: 2 });
  console.log(`  ${name.padEnd(34)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}`);
  return row;
}

const server = await startServer();
try {
  const key = await provision(server.base, "business");
  const api = apiClient(server.base, key);
  console.log(`Seeding ${CONTACTS.toLocaleString()} contacts through POST /v1/contacts/batch…`);
  const ids = [];
  for (let i = 0; i < CONTACTS; i += 100) {
    const contacts = Array.from({ length: 100 }, (_, j) => ({
      first_name: "Ada",
      last_name: `Lovelace${i + j}`,
      company: "Engines",
      tags: ["vip", `rare-${(i + j) % 500}`],
    }));
    const res = await api("POST", "/v1/contacts/batch", { contacts });
    for (const item of res.body.results) ids.push(item.contact.id);
  }
  const profile = (await api("POST", "/v1/profiles", { handle: "dev-bench", name: "Dev Bench" })).body;
  const headers = { "x-api-key": key, "content-type": "application/json" };
  const random = (prefix) => (req) => ({ ...req, path: `${prefix}${ids[Math.floor(Math.random() * ids.length)]}` });
  console.log("npm start (wrangler dev):");
  const results = [
    await run("GET /v1/contacts/{id}", "/", { headers, requests: [{ setupRequest: random("/v1/contacts/") }] }),
    await run("GET /v1/contacts?limit=25", "/v1/contacts?limit=25", { headers }),
    await run("GET ?q=<prefix>", "/v1/contacts?q=lovel", { headers }),
    await run("POST /v1/contacts", "/v1/contacts", { headers, method: "POST", body: JSON.stringify({ first_name: "Bench" }) }),
    await run("PATCH /v1/contacts/{id}", "/", {
      headers,
      method: "PATCH",
      body: JSON.stringify({ company: "Patched" }),
      requests: [{ method: "PATCH", setupRequest: random("/v1/contacts/") }],
    }),
    await run("POST /v1/contacts/scans (hot)", "/v1/contacts/scans", {
      headers,
      method: "POST",
      body: JSON.stringify({ profile_id: profile.id, source: "web" }),
    }),
    await run("GET /q/{handle}", "/q/dev-bench", {
      headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148" },
      expect3xx: true,
    }),
  ];
  const report = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
    contacts: CONTACTS,
    connections: CONNECTIONS,
    duration_s: DURATION,
    results,
  };
  writeFileSync(path.join(ROOT, "bench", "results", "wrangler-dev.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log("\n| scenario (wrangler dev) | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|");
  for (const r of results) console.log(`| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
} finally {
  await server.stop();
}
