// One benchmark scenario: autocannon at 16 connections, a warm-up, then the measured run.
import autocannon from "autocannon";

export const CONNECTIONS = 16;

/**
 * Drives `options` (autocannon's, with `path` below `base`; `expect3xx` counts redirects as
 * answers) and returns req/s, p50, p99 and errors. BENCH_DEBUG prints the status counts.
 */
export async function drive(name, base, options, { duration, warmup }) {
  const { path: pathname = "/", expect3xx, ...rest } = options;
  const opts = { url: `${base}${pathname}`, connections: CONNECTIONS, ...rest };
  await autocannon({ ...opts, duration: warmup });
  const statuses = {};
  const r = await autocannon({ ...opts, duration, setupClient: (client) => client.on("response", (status) => (statuses[status] = (statuses[status] ?? 0) + 1)) });
  if (process.env.BENCH_DEBUG) console.log(name, statuses);
  const errors = r.errors + r.timeouts + r.non2xx - (expect3xx ? r["3xx"] : 0);
  return { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors, requests: r.requests.total };
}
