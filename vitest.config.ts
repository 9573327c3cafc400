import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "./scripts/build-assets.mjs";

/**
 * What a test Worker's `fetch` to the outside gets when the test did not stand in for it: a 503
 * at once. The webhooks that tests register point at hosts that do not exist (`*.example`), and
 * the suite's queue keeps delivering their events in the background; a real lookup of each would
 * wait on DNS and fill the log with the runtime's lookup errors.
 */
const noNetwork = (request: Request) =>
  new Response(`No network in tests (${new URL(request.url).host}).`, { status: 503, headers: { "content-type": "text/plain" } });

export default defineConfig(async () => {
  // The Worker's static assets (wrangler.toml [assets]): the reference's script and the console, each when it changed.
  await buildAssets();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  const bindings = {
    TEST_MIGRATIONS: migrations,
    ADMIN_TOKEN: "test-admin-token",
    WEBHOOK_ALLOW_PRIVATE: "false",
    WEBHOOK_RETRY_BASE_SECONDS: "2",
    TRUST_REQUEST_HOST: "true",
    // A fixed test key (two entries: the second only decrypts, as during a key rotation).
    WEBHOOK_SECRET_KEYS: "t1:dGVzdC1rZXktb25lLWZvci1jYXJkYm94LXRlc3RzLTE=,t0:b2xkLWtleS16ZXJvLWZvci1jYXJkYm94LXRlc3RzLTA=",
    CORS_ORIGINS: "https://app.example, https://crm.example",
    // As deployed, whatever `npm start` wrote to .dev.vars (which wrangler's config reading adds).
    REQUEST_LOG: "all",
    // The suite runs every request in a D1 session (as a replicated deployment does); npm start and the bench do not.
    D1_SESSIONS: "on",
  };
  return {
    test: {
      // Request logs of passing tests are noise; a failing test still shows its output.
      silent: "passed-only",
      projects: [
        {
          // Everything that can run inside workerd, against real D1 and Durable Objects.
          plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings, outboundService: noNetwork } })],
          test: {
            name: "workers",
            setupFiles: ["./test/setup/apply-migrations.ts"],
            include: ["test/**/*.test.ts"],
            exclude: ["test/e2e/**", "test/rate-limit/**"],
            testTimeout: 30_000,
          },
        },
        {
          // The same Worker with production-style rate-limit bindings, at limits small enough to hit.
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ...bindings,
                  API_RATE_LIMIT: "5",
                  PUBLIC_RATE_LIMIT: "3",
                  ADMIN_RATE_LIMIT: "12",
                  RATE_LIMIT_PERIOD_SECONDS: "10",
                },
                ratelimits: {
                  API_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 5, period: 10 } },
                  PUBLIC_RATE_LIMITER: { namespace_id: "1002", simple: { limit: 3, period: 10 } },
                  ADMIN_RATE_LIMITER: { namespace_id: "1003", simple: { limit: 12, period: 10 } },
                },
              },
            }),
          ],
          test: {
            name: "rate-limited",
            setupFiles: ["./test/setup/apply-migrations.ts"],
            include: ["test/rate-limit/**/*.test.ts"],
            testTimeout: 60_000,
          },
        },
        {
          // A server started as the README says, driven from outside: real HTTP and a real browser.
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
