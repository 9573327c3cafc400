// `npm run bench [-- --contacts N] [-- --duration S]`: Cardbox next to a reference Worker, both in
// workerd through Miniflare's API, sharing one D1 database; autocannon drives every scenario.
// `npm run bench -- --growth`: the reads at 1,000,000 contacts in turns with the same at 10,000.
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { benchContact } from "./contacts.mjs";
import { CONNECTIONS, driveAmount, drivePaired, drive as driveScenario, workerdPids } from "./drive.mjs";
import { allocationsDuring, profileDuring } from "./profile.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const text = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CONTACTS = arg("contacts", 100_000);
const DURATION = arg("duration", 10);
const WARMUP = arg("warmup", 2);
// `--only lovel,q=`: just the scenarios whose names contain one of these (references always run).
const ONLY = text("only")?.split(",");
// `--profile`: also print where the Worker's CPU time goes in each Cardbox scenario.
const PROFILE = flag("profile");
const GROWTH = flag("growth");
// `--allocations`: also print what Cardbox's isolate allocates a request in each scenario, and its reference's.
const ALLOCATIONS = flag("allocations");
const ALLOCATION_REQUESTS = 4_000;
// `--direct`: each Worker on its own socket, without Miniflare's entry Worker (see OWN_SOCKET).
const DIRECT = flag("direct");
const INSPECTOR_PORT = 9230;
const RESULTS = path.join(ROOT, "bench", "results");

/**
 * The issues' targets, at 100,000 contacts: throughput as a ratio of the scenario's reference's
 * (at least), and p99 as a multiple of the reference's p99 (at most; 2 unless given).
 */
const TARGETS = {
  "GET /v1/contacts/{id}": { ratio: 0.7 },
  "GET /v1/contacts?limit=25": { ratio: 0.5 },
  "GET 1,000 pages deep (cursor)": { ratio: 0.5 },
  "GET ?q=<prefix>": { ratio: 0.4 },
  "GET ?tags=<rare tag>": { ratio: 0.4 },
  "GET ?custom_fields.<key>=<rare value>": { ratio: 0.4 },
  "POST /v1/contacts": { ratio: 0.5 },
  "PATCH /v1/contacts/{id}": { ratio: 0.5 },
  "POST /v1/contacts/scans (hot)": { ratio: 0.5, p99: 2 },
  // The QR redirect never waits for the scan's write: it is held to a Worker that does nothing.
  "GET /q/{handle}": { ratio: 0.8, p99: 1.5 },
};
const P99_LIMIT = 2;
const READS = [
  "GET /v1/contacts/{id}",
  "GET /v1/contacts?limit=25",
  "GET 1,000 pages deep (cursor)",
  "GET ?q=<prefix>",
  "GET ?q=<whole word>",
  "GET ?tags=<rare tag>",
  "GET ?custom_fields.<key>=<rare value>",
];
/** Growth target: a read's p50 at 1,000,000 contacts within this factor of its p50 at 10,000. */
const GROWTH_LIMIT = 1.5;

const esc = (s) => `'${String(s).replace(/'/g, "''")}'`;

function build() {
  const out = path.join(ROOT, "bench", ".build");
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return path.join(out, "index.js");
}

function migrationStatements() {
  const dir = path.join(ROOT, "migrations");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("--> statement-breakpoint"))
    .map((s) => s.trim())
    .filter(Boolean);
}

async function seed(db, workspaceId, n, label) {
  const start = Date.now();
  const base = Date.parse("2025-01-01T00:00:00.000Z");
  const rows = [];
  const statements = [];
  for (let i = 0; i < n; i++) {
    const c = benchContact(i);
    const created = new Date(base + i * 1000).toISOString();
    const id = `00000000-0000-7000-8${String(label).padStart(3, "0")}-${String(i).padStart(12, "0")}`;
    rows.push(
      `(${esc(id)}, ${esc(workspaceId)}, ${esc(c.first_name)}, ${esc(c.last_name)}, ${esc(`${c.first_name} ${c.last_name}`.toLowerCase())}, ${esc(c.email)}, ${esc(c.email)}, NULL, NULL, ${esc(c.job_title)}, ${esc(c.company)}, NULL, NULL, NULL, ${esc(c.stage)}, ${esc(c.notes)}, ${esc(JSON.stringify(c.custom_fields))}, ${esc(JSON.stringify(c.tags))}, NULL, 'import', NULL, 1, ${esc(created)}, ${esc(created)}, ${esc(created)})`,
    );
    // D1 caps a statement at 100 KB: 100 rows a statement, 10 statements a batch.
    if (rows.length === 100 || i === n - 1) {
      statements.push(
        db.prepare(
          `INSERT INTO contacts (id, workspace_id, first_name, last_name, sort_name, email, email_key, phone, phone_key, job_title, company, location, linkedin_url, photo_url, stage, notes, custom_fields, tags, site_id, source, profile_id, version, created_at, updated_at, saved_at) VALUES ${rows.join(", ")}`,
        ),
      );
      rows.length = 0;
    }
    if (statements.length === 10 || (i === n - 1 && statements.length > 0)) {
      await db.batch(statements);
      statements.length = 0;
    }
  }
  return (Date.now() - start) / 1000;
}

/** The D1 database's size in bytes, as SQLite counts its pages (null if D1 refuses the pragma). */
async function databaseBytes(db) {
  try {
    const row = await db.prepare("SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()").first();
    return row?.bytes ?? null;
  } catch {
    return null;
  }
}

/**
 * `--direct`: each Worker answers on its own socket instead of Miniflare's shared address. There,
 * every request first passes Miniflare's own JavaScript Worker that routes it (its "entry" Worker,
 * which no deployed Worker has in front of it): ~160 µs of CPU a request on both sides of every
 * ratio, and young-generation collections of its heap every 2,000–3,000 requests that stall all
 * requests in flight for 70–115 ms (0.5–0.8 % of every scenario's requests, references included).
 * The targets look set through the shared address (the issue's reference figures, a no-op about
 * 5 times a D1 point read, look like that address's: 3 times here, 10 times directly), so that
 * stays the measurement; a direct run is for finding where time and tail latency go, and writes
 * no result.
 */
const OWN_SOCKET = DIRECT ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {};

/**
 * One runtime (Miniflare's workerd) serving Cardbox and the reference Worker over one D1 database,
 * migrated and seeded with `contacts` in each of two workspaces. `stop()` ends it and removes its files.
 */
async function startInstance(script, contacts) {
  const persist = mkdtempSync(path.join(tmpdir(), "cardbox-bench-"));
  const before = new Set(workerdPids());
  // Miniflare 5 takes a new options shape; the classic one converts.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      resourcePersistencePath: persist,
      // The Worker still writes its request logs; the benchmark just does not print them.
      handleStructuredLogs: () => {},
      ...((PROFILE || ALLOCATIONS) && !GROWTH ? { inspectorPort: INSPECTOR_PORT } : {}),
      workers: [
        {
          name: "cardbox",
          modules: true,
          scriptPath: script,
          compatibilityDate: "2026-10-01",
          compatibilityFlags: ["nodejs_compat"],
          d1Databases: { DB: "bench" },
          durableObjects: { SCAN_COUNTER: { className: "ScanCounter", useSQLite: true } },
          queueProducers: { WEBHOOK_QUEUE: "cardbox-webhooks" },
          bindings: { ADMIN_TOKEN: "bench-admin", WEBHOOK_ALLOW_PRIVATE: "false", CORS_ORIGINS: "", PUBLIC_BASE_URL: "" },
          ...OWN_SOCKET,
        },
        {
          name: "reference",
          modules: true,
          scriptPath: path.join(ROOT, "bench", "reference.mjs"),
          compatibilityDate: "2026-10-01",
          routes: ["*/__ref/*"],
          d1Databases: { DB: "bench" },
          durableObjects: { COUNTER: { className: "Counter", useSQLite: true } },
          ...OWN_SOCKET,
        },
      ],
    }),
  );
  const stop = async () => {
    await mf.dispose();
    rmSync(persist, { recursive: true, force: true });
  };
  try {
    const address = async (worker) => (DIRECT ? await mf.unsafeGetDirectURL(worker) : await mf.ready).toString().replace(/\/$/, "");
    const base = await address("cardbox");
    const referenceBase = await address("reference");
    const db = await mf.getD1Database("DB", "cardbox");
    for (const statement of migrationStatements()) await db.prepare(statement).run();
    await db.exec("CREATE TABLE bench_reference (id TEXT PRIMARY KEY, body TEXT NOT NULL)");

    const admin = async (body) => {
      const res = await fetch(`${base}/admin/workspaces`, {
        method: "POST",
        headers: { authorization: "Bearer bench-admin", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return res.json();
    };
    const one = await admin({ name: "Bench", plan: "business" });
    const two = await admin({ name: "Neighbour", plan: "business" });
    const key = one.api_key.key;
    const ws = one.workspace.id;
    console.log(`Seeding ${contacts.toLocaleString()} contacts in each of two workspaces…`);
    const seconds = (await seed(db, ws, contacts, 1)) + (await seed(db, two.workspace.id, contacts, 2));
    await db.exec(`UPDATE workspaces SET contact_count = ${contacts}`);
    await db.exec("ANALYZE");
    const bytes = await databaseBytes(db);
    const size =
      bytes === null
        ? ""
        : `; D1 ${(bytes / 1e6).toFixed(0)} MB, ${Math.round(bytes / (2 * contacts))} bytes a contact (row, indexes, search and tag index)`;
    console.log(`  seeded in ${seconds.toFixed(1)} s${size}`);

    const headers = { "x-api-key": key, "content-type": "application/json" };
    const deepRow = await db
      .prepare("SELECT created_at, id FROM contacts WHERE workspace_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?")
      .bind(ws, Math.min(24_999, contacts - 26))
      .first();
    const cursor = Buffer.from(JSON.stringify({ s: "contacts?", k: [deepRow.created_at, deepRow.id], p: 1001 })).toString("base64url");
    const profile = await (
      await fetch(`${base}/v1/profiles`, { method: "POST", headers, body: JSON.stringify({ handle: "bench-card", name: "Bench Card" }) })
    ).json();
    const pids = workerdPids().filter((pid) => !before.has(pid));
    return { contacts, base, referenceBase, headers, ws, cursor, profileId: profile.id, bytes, pids, persist, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const idAt = (i) => `00000000-0000-7000-8001-${String(i).padStart(12, "0")}`;

/** A contact of the first workspace, chosen afresh for each request. */
const randomId = (instance) => idAt(Math.floor(Math.random() * instance.contacts));
const randomPath = (instance, prefix) => (req) => ({ ...req, path: `${prefix}${randomId(instance)}` });

/** The reference Worker's endpoints, with the paths the scenarios below compare against. */
const referenceScenarios = (instance) =>
  [
    ["ref: no-op", { path: "/__ref/noop" }],
    // No target compares with it: the QR redirect's very answer (its twelve headers) and nothing
    // else; through Miniflare each header costs the runtime ~15 µs, so this alone is ~0.75 of the no-op.
    ["ref: same redirect, no work", { path: "/__ref/redirect", expect3xx: true }],
    [
      "ref: D1 point read",
      {
        path: "/__ref/read",
        requests: [{ setupRequest: (req) => ({ ...req, path: `/__ref/read?ws=${instance.ws}&id=${randomId(instance)}` }) }],
      },
    ],
    ["ref: D1 insert", { path: "/__ref/insert", method: "POST" }],
    ["ref: DO increment", { path: "/__ref/incr", method: "POST" }],
    // No target compares with it: the smallest Worker doing all an old-style scan's platform work
    // (the scan in D1 before the answer), to read the scans' p99 against.
    ["ref: DO increment + D1 insert", { path: "/__ref/incr-insert", method: "POST" }],
  ].map(([name, options]) => [name, { ...options, base: instance.referenceBase }]);

/** A phone's scan as the Worker gets it through Cloudflare's edge, which adds the visitor's country. */
const QR_SCAN = {
  path: "/q/bench-card",
  headers: { "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148", "cf-ipcountry": "DE" },
  expect3xx: true,
};

/** Cardbox's scenarios (the issue's list, and one more): name, autocannon options below the base, reference. */
const cardboxScenarios = ({ headers, cursor, profileId, ...instance }) => [
  ["GET /v1/contacts/{id}", { headers, requests: [{ setupRequest: randomPath(instance, "/v1/contacts/") }] }, "ref: D1 point read"],
  ["GET /v1/contacts?limit=25", { headers, path: "/v1/contacts?limit=25" }, "ref: D1 point read"],
  ["GET 1,000 pages deep (cursor)", { headers, path: `/v1/contacts?limit=25&cursor=${cursor}` }, "ref: D1 point read"],
  ["GET ?q=<prefix>", { headers, path: "/v1/contacts?q=lovel" }, "ref: D1 point read"],
  // Not in the issue's list, no target: a whole word of 8 letters that every contact has (its job title).
  ["GET ?q=<whole word>", { headers, path: "/v1/contacts?q=engineer" }, "ref: D1 point read"],
  ["GET ?tags=<rare tag>", { headers, path: "/v1/contacts?tags=rare-4242" }, "ref: D1 point read"],
  ["GET ?custom_fields.<key>=<rare value>", { headers, path: "/v1/contacts?custom_fields.account=acct-4242" }, "ref: D1 point read"],
  [
    "POST /v1/contacts",
    { path: "/v1/contacts", headers, method: "POST", body: JSON.stringify({ first_name: "Bench", company: "Load" }) },
    "ref: D1 insert",
  ],
  [
    "PATCH /v1/contacts/{id}",
    {
      headers,
      method: "PATCH",
      body: JSON.stringify({ company: "Patched" }),
      requests: [{ method: "PATCH", setupRequest: randomPath(instance, "/v1/contacts/") }],
    },
    "ref: D1 insert",
  ],
  [
    "POST /v1/contacts/scans (hot)",
    { path: "/v1/contacts/scans", headers, method: "POST", body: JSON.stringify({ profile_id: profileId, source: "web" }) },
    "ref: DO increment",
  ],
  ["GET /q/{handle}", QR_SCAN, "ref: no-op"],
  // No target: the same redirect against a Worker giving the same answer without any work, so the
  // row shows what Cardbox's own work (the handle, the scan and its copy to D1) costs.
  ["GET /q/{handle} (vs the same answer)", QR_SCAN, "ref: same redirect, no work"],
];

const print = (r) =>
  console.log(
    `  ${r.name.padEnd(44)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}  workerd ${r.cpu_us ?? "?"} µs CPU a request`,
  );

async function main() {
  console.log(`Building the Worker…`);
  const script = build();
  if (GROWTH) return growthRun(script);
  const instance = await startInstance(script, CONTACTS);
  try {
    const { base, pids: runtime } = instance;
    const results = [];
    const referenceList = referenceScenarios(instance);
    const references = Object.fromEntries(referenceList);
    console.log("Reference worker:");
    for (const [name, options] of referenceList) {
      const r = { ...(await driveScenario(name, base, options, { duration: DURATION, warmup: WARMUP, runtime })), reference: null };
      results.push(r);
      print(r);
    }
    console.log("Cardbox (each in turns with its reference):");
    for (const [name, options, referenceName] of cardboxScenarios(instance)) {
      if (ONLY && !ONLY.some((o) => name.includes(o))) continue;
      const paired = () =>
        drivePaired(name, options, referenceName, references[referenceName], base, { duration: DURATION, warmup: WARMUP, runtime });
      let measured;
      if (PROFILE) {
        const profiled = await profileDuring(INSPECTOR_PORT, "cardbox", paired);
        measured = profiled.result;
        console.log(`  ${name}: Worker self time`);
        for (const row of profiled.rows) console.log(`    ${String(row.share).padStart(5)} %  ${row.name}`);
        console.log(`  ${name}: Worker total time (self and callees)`);
        for (const row of profiled.inclusive) console.log(`    ${String(row.share).padStart(5)} %  ${row.name}`);
      } else {
        measured = await paired();
      }
      if (ALLOCATIONS) {
        // Sampled over a run of its own after the measured one, so warm-ups are not in it.
        const sampled = await allocationsDuring(INSPECTOR_PORT, "cardbox", () => driveAmount(base, options, ALLOCATION_REQUESTS));
        const theirs = await allocationsDuring(INSPECTOR_PORT, "reference", () =>
          driveAmount(base, references[referenceName], ALLOCATION_REQUESTS),
        );
        const perRequest = ({ result: requests }, bytes) => Math.round(bytes / Math.max(requests, 1)).toLocaleString();
        console.log(
          `  ${name}: the Worker's isolate allocates ${perRequest(sampled, sampled.total)} bytes a request (${referenceName}: ${perRequest(theirs, theirs.total)}), most in`,
        );
        for (const row of sampled.rows) console.log(`    ${perRequest(sampled, row.bytes).padStart(7)}  ${row.name}`);
      }
      const { result: r, reference: ref } = measured;
      results.push({ ...r, reference: referenceName, reference_rps: ref.rps, reference_p99: ref.p99, reference_cpu_us: ref.cpu_us });
      print(r);
      print({ ...ref, name: `  (${referenceName}, in turns with it)` });
    }

    const table = results.map((r) => {
      const ref = r.reference ? { rps: r.reference_rps, p99: r.reference_p99 } : null;
      const exactRatio = ref ? r.rps / ref.rps : null;
      const exactP99 = ref ? r.p99 / Math.max(ref.p99, 1) : null;
      const ratio = ref ? Math.round(exactRatio * 100) / 100 : null;
      const p99VsRef = ref ? Math.round(exactP99 * 10) / 10 : null;
      const target = TARGETS[r.name]?.ratio ?? null;
      const p99Limit = TARGETS[r.name]?.p99 ?? P99_LIMIT;
      // Judged on the unrounded figures: 0.498 is not 0.5.
      const meets = target === null ? null : exactRatio >= target && exactP99 <= p99Limit && r.errors === 0;
      // The same ratio by runtime CPU per request (what each request costs), for reading alongside.
      const cpuRatio = r.reference && r.cpu_us && r.reference_cpu_us ? Math.round((r.reference_cpu_us / r.cpu_us) * 100) / 100 : null;
      return { ...r, ratio, cpu_ratio: cpuRatio, p99_vs_ref: p99VsRef, target, p99_limit: target === null ? null : p99Limit, meets };
    });
    console.log(
      "\n| scenario | req/s | p50 ms | p99 ms | errors | workerd CPU µs/req | reference (req/s in turns with it) | ratio (target) | CPU ratio | p99 × ref (target) | meets |\n|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const r of table) {
      const ratio = r.ratio === null ? "—" : r.target === null ? `${r.ratio}` : `${r.ratio} (≥ ${r.target})`;
      const against = r.reference ? `${r.reference} (${r.reference_rps})` : "—";
      console.log(
        `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cpu_us ?? "—"} | ${against} | ${ratio} | ${r.cpu_ratio ?? "—"} | ${r.p99_vs_ref === null ? "—" : r.p99_limit === null ? r.p99_vs_ref : `${r.p99_vs_ref} (≤ ${r.p99_limit})`} | ${r.meets === null ? "—" : r.meets ? "yes" : "no"} |`,
      );
    }
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      contacts_per_workspace: CONTACTS,
      d1_bytes_after_seed: instance.bytes,
      connections: CONNECTIONS,
      duration_s: DURATION,
      results: table,
    };
    if (ONLY || PROFILE || ALLOCATIONS || DIRECT) return; // a partial, profiled or direct run is not a result
    mkdirSync(RESULTS, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    writeFileSync(path.join(RESULTS, "latest.json"), json);
    writeFileSync(path.join(RESULTS, `contacts-${CONTACTS}.json`), json);
    console.log(`\nWrote bench/results/latest.json and bench/results/contacts-${CONTACTS}.json`);
  } finally {
    await instance.stop();
  }
}

const machine = () => `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`;

/** The smaller size the growth target compares with (`--contacts`, 1,000,000 unless given, is the larger). */
const GROWTH_SMALL = 10_000;

/** Autocannon options with the instance's address in them, for a drive that alternates instances. */
const absolute = (instance, options) => ({ ...options, base: instance.base });

/**
 * Reads an instance's database files once, as a server holding the database would have it in
 * memory: this VM hands its page cache back to the host within minutes (a 4 GB database left idle
 * drops to tens of MB), and a read of a page that went that way measures the VM's disk, not a query.
 */
function cacheDatabase(instance) {
  const buffer = Buffer.allocUnsafe(1 << 24);
  const files = readdirSync(instance.persist, { recursive: true }).filter((f) => /\.sqlite(-wal)?$/.test(f));
  for (const file of files) {
    const fd = openSync(path.join(instance.persist, file), "r");
    try {
      while (readSync(fd, buffer, 0, buffer.length, null) > 0);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * `npm run bench -- --growth`: each read's p50 at 1,000,000 contacts against its p50 at 10,000.
 * Both databases are served at once and each read is measured in turns on the two (as a scenario
 * with its reference), so the VM's drift between moments (tens of percent within minutes) is not
 * charged to the size.
 */
async function growthRun(script) {
  const largeSize = process.argv.includes("--contacts") ? CONTACTS : 1_000_000;
  const large = await startInstance(script, largeSize);
  let small;
  try {
    small = await startInstance(script, GROWTH_SMALL);
    const runtime = [...large.pids, ...small.pids];
    console.log("Reading both databases into the page cache…");
    cacheDatabase(large);
    cacheDatabase(small);
    console.log(`Each read at ${largeSize.toLocaleString()} contacts, in turns with the same read at ${GROWTH_SMALL.toLocaleString()}:`);
    const smallOptions = new Map(cardboxScenarios(small)); // name → options (a Map takes the first two of each)
    const rows = [];
    for (const [name, options] of cardboxScenarios(large)) {
      if (!READS.includes(name) || (ONLY && !ONLY.some((o) => name.includes(o)))) continue;
      const { result: at, reference: from } = await drivePaired(
        name,
        absolute(large, options),
        name,
        absolute(small, smallOptions.get(name)),
        "",
        { duration: DURATION, warmup: WARMUP, runtime },
      );
      const exact = at.p50 / Math.max(from.p50, 1);
      const side = ({ rps, p50, p99, errors }) => ({ rps, p50, p99, errors });
      rows.push({
        name,
        small: side(from),
        large: side(at),
        factor: Math.round(exact * 100) / 100,
        meets: exact <= GROWTH_LIMIT && at.errors === 0 && from.errors === 0,
      });
      print({ ...from, name: `${name} @ ${GROWTH_SMALL.toLocaleString()}` });
      print({ ...at, name: `${name} @ ${largeSize.toLocaleString()}` });
    }
    console.log(
      `\n| read | p50 ms at ${GROWTH_SMALL.toLocaleString()} | p50 ms at ${largeSize.toLocaleString()} | factor (≤ ${GROWTH_LIMIT}) | req/s (small → large) | errors | meets |\n|---|---|---|---|---|---|---|`,
    );
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${r.small.p50} | ${r.large.p50} | ${r.factor} | ${r.small.rps} → ${r.large.rps} | ${r.small.errors + r.large.errors} | ${r.meets ? "yes" : "no"} |`,
      );
    }
    if (ONLY || DIRECT || largeSize !== 1_000_000) return; // a partial, direct or smaller check is not a result
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      contacts_per_workspace: { small: GROWTH_SMALL, large: largeSize },
      connections: CONNECTIONS,
      duration_s: DURATION,
      rows,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, "growth.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log("\nWrote bench/results/growth.json");
  } finally {
    await small?.stop();
    await large.stop();
  }
}

await main();
