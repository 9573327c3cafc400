// One benchmark scenario: autocannon at 16 connections, a warm-up, then the measured run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

export const CONNECTIONS = 16;

/** The workerd processes this Node process started (Miniflare's runtime), if any. */
export function workerdPids() {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid), "workerd"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
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

/** Latencies, statuses, errors, requests, seconds and runtime CPU of one or more measured runs. */
function tally() {
  return { latencies: [], statuses: {}, errors: 0, requests: 0, seconds: 0, cpu: 0 };
}

/** Autocannon's options for a scenario: its `path` below its own `base` if it names one, else below `base`. */
function target(base, options) {
  const { path: pathname = "/", expect3xx, base: own = base, ...rest } = options;
  return { opts: { url: `${own}${pathname}`, connections: CONNECTIONS, ...rest }, expect3xx };
}

/** One measured run of `duration` seconds, added to `into`. */
async function measure(base, options, duration, runtime, into) {
  const { opts, expect3xx } = target(base, options);
  const cpuBefore = cpuSeconds(runtime);
  const r = await autocannon({
    ...opts,
    duration,
    setupClient: (client) =>
      client.on("response", (status, _bytes, responseTime) => {
        into.statuses[status] = (into.statuses[status] ?? 0) + 1;
        into.latencies.push(responseTime);
      }),
  });
  into.cpu += cpuSeconds(runtime) - cpuBefore;
  into.errors += r.errors + r.timeouts + r.non2xx - (expect3xx ? r["3xx"] : 0);
  into.requests += r.requests.total;
  into.seconds += r.duration;
}

const percentile = (sorted, p) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

/** The share of answers slower than each of `limits` (ms): where a p99 sits in a tail of pauses. */
const slowerThan = (sorted, limits) =>
  Object.fromEntries(
    limits.map((ms) => [`> ${ms} ms`, `${((100 * sorted.filter((x) => x > ms).length) / Math.max(sorted.length, 1)).toFixed(2)} %`]),
  );

function summary(name, t, runtime) {
  const sorted = Float64Array.from(t.latencies).sort();
  if (process.env.BENCH_DEBUG) console.log(name, JSON.stringify(t.statuses), JSON.stringify(slowerThan(sorted, [10, 20, 30, 40, 60, 100])));
  return {
    name,
    rps: Math.round(t.requests / Math.max(t.seconds, 1e-9)),
    p50: Math.round(percentile(sorted, 50)),
    p99: Math.round(percentile(sorted, 99)),
    errors: t.errors,
    requests: t.requests,
    // The runtime's CPU time per answered request: what the request cost, whatever else shares the machine.
    cpu_us: runtime.length > 0 && t.requests > 0 ? Math.round((t.cpu * 1e6) / t.requests) : null,
  };
}

/**
 * Drives `options` (autocannon's, with `path` below `base`; `expect3xx` counts redirects as
 * answers) after a warm-up and returns req/s, p50, p99, errors and, given the `runtime` pids, its
 * workerd CPU µs a request. BENCH_DEBUG prints the status counts and the share of slow answers.
 */
export async function drive(name, base, options, { duration, warmup, runtime = [] }) {
  await autocannon({ ...target(base, options).opts, duration: warmup });
  const t = tally();
  await measure(base, options, duration, runtime, t);
  return summary(name, t, runtime);
}

/**
 * A scenario and its reference measured in turns (reference, scenario, scenario, reference, …:
 * `slices` turns each, `duration` seconds in all each), so both see the same machine: this VM's
 * speed drifts by tens of percent within a minute, and alternating cancels the drift instead of
 * charging it to whichever ran in the slower moment.
 */
export async function drivePaired(name, options, referenceName, referenceOptions, base, { duration, warmup, runtime = [], slices = 4 }) {
  await autocannon({ ...target(base, referenceOptions).opts, duration: 1 });
  await autocannon({ ...target(base, options).opts, duration: warmup });
  const ours = tally();
  const theirs = tally();
  const slice = duration / slices;
  for (let i = 0; i < slices; i++) {
    const turns =
      i % 2 === 0
        ? [
            [referenceOptions, theirs],
            [options, ours],
          ]
        : [
            [options, ours],
            [referenceOptions, theirs],
          ];
    for (const [o, into] of turns) await measure(base, o, slice, runtime, into);
  }
  return { result: summary(name, ours, runtime), reference: summary(referenceName, theirs, runtime) };
}

/** Sends `amount` requests of a scenario (16 connections) and returns how many were answered. */
export async function driveAmount(base, options, amount) {
  const r = await autocannon({ ...target(base, options).opts, amount });
  return r.requests.total;
}
