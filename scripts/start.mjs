// `npm start`: prepares local development (local settings, a migrated local D1) and runs `wrangler dev`.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildAssets } from "./build-assets.mjs";
import { wranglerEnv } from "./wrangler-env.mjs";

const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const port = process.env.PORT ?? "8787";
const base = `http://127.0.0.1:${port}`;
// Node keeps wrangler's compiled code between runs (its bundle is megabytes of JavaScript).
const env = {
  ...wranglerEnv(),
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? "node_modules/.cache/node-compile",
};
// Tests start their own server on separate local state.
const persist = process.env.CARDBOX_PERSIST_TO ? ["--persist-to", process.env.CARDBOX_PERSIST_TO] : [];
const state = process.env.CARDBOX_PERSIST_TO ?? path.join(".wrangler", "state");

// Local development settings, in `.dev.vars` (not tracked: it holds a generated encryption key).
// A setting missing from an existing file is added; nothing already there is changed.
const DEV_SETTINGS = {
  ADMIN_TOKEN: "dev-admin-token",
  WEBHOOK_ALLOW_PRIVATE: "true",
  WEBHOOK_RETRY_BASE_SECONDS: "1",
  // Links and QR codes point at the address the browser used (a deployment sets PUBLIC_BASE_URL).
  TRUST_REQUEST_HOST: "true",
  // wrangler dev prints every request already; the JSON line comes for failures (with its request id).
  REQUEST_LOG: "failures",
  WEBHOOK_SECRET_KEYS: `dev:${randomBytes(32).toString("base64")}`,
};
const current = existsSync(".dev.vars") ? readFileSync(".dev.vars", "utf8") : "";
const present = new Set(current.split("\n").map((line) => line.split("=")[0]?.trim()));
const missing = Object.entries(DEV_SETTINGS).filter(([name]) => !present.has(name));
if (missing.length > 0) {
  const header = current ? "" : "# Local development settings, made by `npm start`. Not tracked.\n";
  writeFileSync(
    ".dev.vars",
    `${current}${current && !current.endsWith("\n") ? "\n" : ""}${header}${missing.map(([k, v]) => `${k}=${v}`).join("\n")}\n`,
  );
  console.log(`${current ? "Added to" : "Created"} .dev.vars: ${missing.map(([k]) => k).join(", ")}`);
}

const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim() ?? DEV_SETTINGS.ADMIN_TOKEN;

// Static assets in dist/public: the reference's script and the console (web/), each only when it changed.
await buildAssets();

/**
 * The migrations as applied to the local database last time: their names and contents, hashed.
 * Kept beside the database, so a state directory that is deleted or new is migrated again.
 */
const migrationsStamp = path.join(state, "v3", "d1", "cardbox-migrations.sha256");
const migrationsHash = createHash("sha256");
for (const name of readdirSync("migrations").sort()) {
  if (name.endsWith(".sql")) migrationsHash.update(`${name}\0${readFileSync(path.join("migrations", name))}\0`);
}
const migrationsDigest = migrationsHash.digest("hex");

// Migrations, summarised in one line (wrangler's own output only if it fails); skipped when the
// local database already has exactly these (applying nothing still costs a wrangler start).
if (existsSync(migrationsStamp) && readFileSync(migrationsStamp, "utf8") === migrationsDigest) {
  console.log("Local database: up to date");
} else {
  const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", ...persist], {
    encoding: "utf8",
    env: { ...env, CI: "true" },
  });
  if (migrate.status !== 0) {
    process.stdout.write(migrate.stdout);
    process.stderr.write(migrate.stderr);
    process.exit(migrate.status ?? 1);
  }
  const applied = [...new Set(migrate.stdout.match(/\d{4}_[\w-]+\.sql/g) ?? [])];
  console.log(applied.length ? `Local database: applied ${applied.join(", ")}` : "Local database: up to date");
  mkdirSync(path.dirname(migrationsStamp), { recursive: true });
  writeFileSync(migrationsStamp, migrationsDigest);
}

const dev = spawn(process.execPath, [wrangler, "dev", "--ip", "127.0.0.1", "--port", port, ...persist, ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
});
const stop = (signal) => dev.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Once the server answers, the way in: printed last, where it is seen.
for (let tries = 0; tries < 2400 && dev.exitCode === null; tries++) {
  const up = await fetch(`${base}/healthz`).then(
    (res) => res.ok,
    () => false,
  );
  if (up) {
    console.log(`
Cardbox is running on ${base}  (reference: ${base}/docs)
Get a first API key:
  curl -s -X POST ${base}/admin/workspaces -H "Authorization: Bearer ${adminToken}" -H "Content-Type: application/json" -d '{"name":"Acme","plan":"free"}'
`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
