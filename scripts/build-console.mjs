// The console (web/) built by Vite into dist/public/app, the Worker's static assets. Skipped when
// nothing it is built from changed since the last build. `node scripts/build-console.mjs [--force]`.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WEB = path.join(ROOT, "web");
const DIST = path.join(ROOT, "dist");
const OUT = path.join(DIST, "public", "app");
const STAMP = path.join(DIST, ".console-build");
const LOCK = path.join(DIST, ".console-build.lock");
/** What the console is built from, besides web/ itself (src/lib/csv.ts: the export's CSV cells, shared). */
const INPUTS = ["clients/typescript/schema.d.ts", "src/lib/csv.ts", "package-lock.json", "scripts/build-console.mjs"];
/** The budget for the console's JavaScript, gzipped. */
export const JS_BUDGET_BYTES = 150 * 1024;

const filesUnder = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));

/** A digest of every file the build reads, so a checkout or an edit (not a touched mtime) means a rebuild. */
function sourceDigest() {
  const hash = createHash("sha256");
  for (const file of [...filesUnder(WEB), ...INPUTS.map((f) => path.join(ROOT, f))].filter(existsSync).sort()) {
    hash.update(path.relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.digest("hex");
}

/** The gzipped size of the built JavaScript, in bytes. */
export function gzippedJsBytes(dir = OUT) {
  return filesUnder(dir)
    .filter((file) => file.endsWith(".js"))
    .reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
}

const upToDate = (digest) => existsSync(path.join(OUT, "index.html")) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === digest;

/** One build at a time (the e2e suites start several servers at once); a lock older than two minutes is stale. */
async function withLock(run) {
  mkdirSync(DIST, { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 120_000) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await run();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Builds the console unless it is up to date; fails when its JavaScript is over budget. */
export async function buildConsole({ force = false } = {}) {
  if (!force && upToDate(sourceDigest())) return;
  await withLock(async () => {
    const digest = sourceDigest();
    if (!force && upToDate(digest)) return;
    const started = Date.now();
    const { build } = await import("vite");
    // Built beside the live copy and swapped in, so a running server never serves half a build.
    const next = path.join(DIST, ".console-next");
    rmSync(next, { recursive: true, force: true });
    // A production build whatever NODE_ENV says: Vite reads it, and vitest sets it to "test", which
    // would build Preact's devtools hooks in. Put back afterwards for the process that asked.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    await build({
      root: WEB,
      configFile: path.join(WEB, "vite.config.ts"),
      logLevel: "warn",
      build: { outDir: next, emptyOutDir: true },
    }).finally(() => {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    });
    const js = gzippedJsBytes(next);
    if (js > JS_BUDGET_BYTES) {
      throw new Error(`The console's JavaScript is ${(js / 1024).toFixed(1)} KB gzipped, over its ${JS_BUDGET_BYTES / 1024} KB budget`);
    }
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(path.dirname(OUT), { recursive: true });
    renameSync(next, OUT);
    writeFileSync(STAMP, digest);
    console.log(`Console: built in ${((Date.now() - started) / 1000).toFixed(1)} s (JavaScript ${(js / 1024).toFixed(1)} KB gzipped)`);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildConsole({ force: process.argv.includes("--force") });
}
