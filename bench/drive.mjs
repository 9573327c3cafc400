// One benchmark scenario: autocannon at 16 connections, a warm-up, then the measured run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

export const CONNECTIONS = 16;

/** The workerd processes this Node process started (Miniflare's runtime), if any. */
export function workerdPids() {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid), "workerd"], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** CPU seconds the processes have used so far (all threads; user + system), from /proc. */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

/**
 * Drives `options` (autocannon's, with `path` below `base`; `expect3xx` counts redirects as
 * answers) and returns req/s, p50, p99, errors and, given the `runtime` pids, its CPU µs a request. BENCH_DEBUG prints the status counts.
 */
export async function drive(name, base, options, { duration, warmup, runtime = [] }) {
  const { path: pathname = "/", expect3xx, ...rest } = options;
  const opts = { url: `${base}${pathname}`, connections: CONNECTIONS, ...rest };
  await autocannon({ ...opts, duration: warmup });
  const statuses = {};
  const cpuBefore = cpuSeconds(runtime);
  const r = await autocannon({ ...opts, duration, setupClient: (client) => client.on("response", (status) => (statuses[status] = (statuses[status] ?? 0) + 1)) });
  if (process.env.BENCH_DEBUG) console.log(name, statuses);
  const cpu = cpuSeconds(runtime) - cpuBefore;
  const errors = r.errors + r.timeouts + r.non2xx - (expect3xx ? r["3xx"] : 0);
  // The runtime's CPU time per answered request: what the request cost, whatever else shares the machine.
  const cpuUs = runtime.length > 0 && r.requests.total > 0 ? Math.round((cpu * 1e6) / r.requests.total) : null;
  return { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors, requests: r.requests.total, cpu_us: cpuUs };
}
