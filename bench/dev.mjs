// `npm run bench:dev [-- --contacts N] [-- --duration S]`: Cardbox as a developer runs it
// (`npm start`, i.e. `wrangler dev`), judged against a no-op Worker (bench/reference.mjs) under the
// same `wrangler dev`, in the same run and in turns. Also times `npm start` itself: from the
// command to the line that shows how to get a first key, on new local state and on existing state.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { wranglerEnv } from "../scripts/wrangler-env.mjs";
import { apiClient, provision, startServer } from "../test/e2e/server.ts";
import { benchContact } from "./contacts.mjs";
import { CONNECTIONS, drivePaired } from "./drive.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CONTACTS = arg("contacts", 10_000);
const DURATION = arg("duration", 10);
const WARMUP = arg("warmup", 2);
// `--only healthz,q=`: just the scenarios whose names contain one of these, without timing `npm start`.
const ONLY = (() => {
  const i = process.argv.indexOf("--only");
  return i > 0 ? process.argv[i + 1].split(",") : undefined;
})();
const READY_LINE = "Get a first API key";

/** The issue's targets: throughput as a share of the no-op Worker's under the same `wrangler dev`. */
const TARGETS = {
  "GET /healthz": 0.8,
  "GET /v1/contacts/{id}": 0.6,
  "GET /v1/contacts?limit=25": 0.5,
  "GET ?q=<prefix>": 0.5,
  "POST /v1/contacts": 0.4,
};

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs `command` in its own process group until its output contains `line`; answers the seconds that took, then ends the group. */
async function secondsUntil(command, args, line, env) {
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, detached: true, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  try {
    await new Promise((resolve, reject) => {
      const seen = (data) => {
        output += data;
        if (output.includes(line)) resolve();
      };
      child.stdout.on("data", seen);
      child.stderr.on("data", seen);
      child.once("exit", () => reject(new Error(`${command} exited before "${line}":\n${output}`)));
    });
    return (performance.now() - started) / 1000;
  } finally {
    await stopGroup(child);
  }
}

async function stopGroup(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  process.kill(-child.pid, "SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** `npm start` on new local state (migrations applied), then again on that state (nothing to do). */
async function timeStart() {
  const state = mkdtempSync(path.join(tmpdir(), "cardbox-start-"));
  try {
    const env = async () => ({ PORT: String(await freePort()), CARDBOX_PERSIST_TO: state, WRANGLER_SEND_METRICS: "false" });
    const fresh = await secondsUntil("npm", ["start"], READY_LINE, await env());
    const again = await secondsUntil("npm", ["start"], READY_LINE, await env());
    return { fresh_state_s: Math.round(fresh * 10) / 10, existing_state_s: Math.round(again * 10) / 10 };
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

/** A config's `run_worker_first` line: which paths skip the static assets. */
const workerFirst = (config) => /^run_worker_first = .*$/m.exec(readFileSync(path.join(ROOT, config), "utf8"))?.[0];

/** The no-op Worker under `wrangler dev`, as `npm start` runs Cardbox (same flags, its own state). */
async function startReference() {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "cardbox-reference-"));
  const child = spawn(
    process.execPath,
    [WRANGLER, "dev", "--config", "bench/wrangler.reference.toml", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state],
    { cwd: ROOT, detached: true, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  // Its output is read as Cardbox's is (test/e2e/server.ts), so both servers pay the same for their logs.
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (data) => (output += data));
  const base = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 1200; tries++) {
    const up = await fetch(`${base}/__ref/noop`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null) throw new Error(`the reference Worker's wrangler dev exited:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    stop: async () => {
      await stopGroup(child);
      rmSync(state, { recursive: true, force: true });
    },
  };
}

const print = (row, reference) =>
  console.log(
    `  ${row.name.padEnd(32)} ${String(row.rps).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  errors ${row.errors}` +
      (reference ? `  (no-op ${reference.rps} req/s: ${(row.rps / reference.rps).toFixed(2)})` : ""),
  );

// The reference's [assets] block copies Cardbox's, so that both pay the same asset routing: a drift fails here, before anything starts.
if (workerFirst("bench/wrangler.reference.toml") !== workerFirst("wrangler.toml")) {
  throw new Error("bench/wrangler.reference.toml's run_worker_first differs from wrangler.toml's");
}

let startup = null;
if (!ONLY) {
  console.log("Timing `npm start` (command → the first-key line)…");
  startup = await timeStart();
  console.log(`  new local state ${startup.fresh_state_s} s, existing state ${startup.existing_state_s} s`);
}

const server = await startServer();
const reference = await startReference();
try {
  const key = await provision(server.base, "business");
  const api = apiClient(server.base, key);
  console.log(`Seeding ${CONTACTS.toLocaleString()} contacts through POST /v1/contacts/batch…`);
  const ids = [];
  for (let i = 0; i < CONTACTS; i += 100) {
    const contacts = Array.from({ length: Math.min(100, CONTACTS - i) }, (_, j) => benchContact(i + j));
    const res = await api("POST", "/v1/contacts/batch", { contacts });
    for (const item of res.body.results) ids.push(item.contact.id);
  }
  const profile = (await api("POST", "/v1/profiles", { handle: "dev-bench", name: "Dev Bench" })).body;
  const headers = { "x-api-key": key, "content-type": "application/json" };
  const random = (prefix) => (req) => ({ ...req, path: `${prefix}${ids[Math.floor(Math.random() * ids.length)]}` });
  const noop = { base: reference.base, path: "/__ref/noop" };
  const scenarios = [
    ["GET /healthz", { path: "/healthz" }],
    ["GET /v1/contacts/{id}", { headers, requests: [{ setupRequest: random("/v1/contacts/") }] }],
    ["GET /v1/contacts?limit=25", { path: "/v1/contacts?limit=25", headers }],
    ["GET ?q=<prefix>", { path: "/v1/contacts?q=lovel", headers }],
    // Every contact's email ends in example.com: a search that matches the whole workspace.
    ["GET ?q=<prefix of every contact>", { path: "/v1/contacts?q=exam", headers }],
    ["POST /v1/contacts", { path: "/v1/contacts", headers, method: "POST", body: JSON.stringify({ first_name: "Bench" }) }],
    [
      "PATCH /v1/contacts/{id}",
      {
        headers,
        method: "PATCH",
        body: JSON.stringify({ company: "Patched" }),
        requests: [{ method: "PATCH", setupRequest: random("/v1/contacts/") }],
      },
    ],
    [
      "POST /v1/contacts/scans (hot)",
      { path: "/v1/contacts/scans", headers, method: "POST", body: JSON.stringify({ profile_id: profile.id, source: "web" }) },
    ],
    [
      "GET /q/{handle}",
      {
        path: "/q/dev-bench",
        headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148" },
        expect3xx: true,
      },
    ],
  ];
  console.log("npm start (wrangler dev), each scenario in turns with the no-op Worker under its own wrangler dev:");
  const results = [];
  for (const [name, options] of scenarios.filter(([name]) => !ONLY || ONLY.some((part) => name.includes(part)))) {
    const { result, reference: floor } = await drivePaired(name, options, "no-op", noop, server.base, {
      duration: DURATION,
      warmup: WARMUP,
    });
    print(result, floor);
    const target = TARGETS[name];
    const ratio = result.rps / floor.rps;
    results.push({
      ...result,
      noop_rps: floor.rps,
      ratio: Math.round(ratio * 100) / 100,
      target: target ?? null,
      met: target === undefined ? null : ratio >= target && result.errors === 0,
    });
  }
  const report = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
    contacts: CONTACTS,
    connections: CONNECTIONS,
    duration_s: DURATION,
    startup,
    results,
  };
  if (startup) {
    writeFileSync(path.join(ROOT, "bench", "results", "wrangler-dev.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `\n\`npm start\` to the first-key line: ${startup.fresh_state_s} s on new local state, ${startup.existing_state_s} s on existing state`,
    );
  }
  console.log(
    "\n| scenario (wrangler dev) | req/s | no-op req/s | ratio | target | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|---|",
  );
  for (const r of results)
    console.log(
      `| ${r.name} | ${r.rps} | ${r.noop_rps} | ${r.ratio.toFixed(2)} | ${r.target === null ? "—" : `≥ ${r.target} ${r.met ? "✓" : "✗"}`} | ${r.p50} | ${r.p99} | ${r.errors} |`,
    );
  if (results.some((r) => r.met === false)) process.exitCode = 1;
} finally {
  await Promise.all([server.stop(), reference.stop()]);
}
