/**
 * The environment `npm start` runs wrangler in, and so `npm run bench:dev` its reference Worker.
 *
 * - No metrics sent (the machine may be offline).
 * - wrangler dev's local traces are off unless asked for (`X_LOCAL_OBSERVABILITY=true npm start`).
 *   They give every Worker a streaming tail that records each request's spans (every D1 query, every
 *   subrequest) for the local explorer's traces view: under load that was a third of a request's CPU
 *   in wrangler dev's runtime, half of it for a Worker that does nothing. The terminal's request lines,
 *   `console` output and the local explorer's data browser are unaffected.
 */
export function wranglerEnv() {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
  };
}
