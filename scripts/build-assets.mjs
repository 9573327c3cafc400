// Static files the Worker serves as Workers static assets (wrangler.toml `[assets]`, directory
// dist/public): the API reference's script at /docs/scalar.js and the console (web/, built by
// build-console.mjs) at /app. Run by `npm start`, by vitest's config and by `npm run deploy`
// (`--force` rebuilds the console); does only what changed.
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole } from "./build-console.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const FILES = [
  // Scalar's standalone API reference (scripts and styles in one file; fonts off, see src/docs/reference-page.ts).
  ["node_modules/@scalar/api-reference/dist/browser/standalone.js", "dist/public/docs/scalar.js"],
];

const same = (a, b) => {
  try {
    return statSync(a).size === statSync(b).size && readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
};

/** Copies the reference's script where it changed, and builds the console where its sources did. */
export async function buildAssets({ force = false } = {}) {
  for (const [from, to] of FILES) {
    const source = `${root}${from}`;
    const target = `${root}${to}`;
    if (same(source, target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    console.log(`Static assets: ${to}`);
  }
  await buildConsole({ force });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildAssets({ force: process.argv.includes("--force") });
}
