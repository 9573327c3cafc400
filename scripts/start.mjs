// `npm start`: prepares local development (secrets file, migrated local D1) and runs `wrangler dev`.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const port = process.env.PORT ?? "8787";
const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
// Tests start their own server on separate local state.
const persist = process.env.CARDBOX_PERSIST_TO ? ["--persist-to", process.env.CARDBOX_PERSIST_TO] : [];

// Local development settings. Neither file is tracked: `.dev.vars.example` is written from here
// when missing, and `.dev.vars` (yours to edit) is copied from it.
const DEV_VARS_EXAMPLE = `# Local development secrets and overrides. \`npm start\` copies this file to .dev.vars when missing.
ADMIN_TOKEN=dev-admin-token
WEBHOOK_ALLOW_PRIVATE=true
WEBHOOK_RETRY_BASE_SECONDS=1
`;
if (!existsSync(".dev.vars.example")) writeFileSync(".dev.vars.example", DEV_VARS_EXAMPLE);
if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("Created .dev.vars from .dev.vars.example");
}

const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", ...persist], {
  stdio: "inherit",
  env: { ...env, CI: "true" },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

console.log(`
Cardbox is starting on http://127.0.0.1:${port}
Get a first API key:
  curl -s -X POST http://127.0.0.1:${port}/admin/workspaces -H "Authorization: Bearer dev-admin-token" -H "Content-Type: application/json" -d '{"name":"Acme","plan":"free"}'
Reference: http://127.0.0.1:${port}/docs
`);

const dev = spawn(process.execPath, [wrangler, "dev", "--ip", "127.0.0.1", "--port", port, ...persist, ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
});
const stop = (signal) => dev.kill(signal);
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
