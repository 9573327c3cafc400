// CPU profile of one Worker while a scenario runs, through workerd's inspector (`--profile`).
// Prints where the isolate's own time goes; time spent inside D1 or a Durable Object is not in it.

let nextId = 1;

function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const pending = new Map();
    ws.addEventListener("message", (event) => {
      const msg = JSON.parse(event.data);
      if (msg.id && pending.has(msg.id)) {
        pending.get(msg.id)(msg);
        pending.delete(msg.id);
      }
    });
    ws.addEventListener("error", reject);
    ws.addEventListener("open", () =>
      resolve({
        send: (method, params = {}) =>
          new Promise((done) => {
            const id = nextId++;
            pending.set(id, done);
            ws.send(JSON.stringify({ id, method, params }));
          }),
        close: () => ws.close(),
      }),
    );
  });
}

/** A profile node's function, file and line. */
function label(node) {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || "(anonymous)"} ${url ? `${url.split("/").pop()}:${lineNumber + 1}` : ""}`.trim();
}

/** Runs `work` with the profiler on and returns the top functions by self time. */
export async function profileDuring(port, worker, work, top = Number(process.env.PROFILE_TOP) || 15) {
  const session = await connect(`ws://127.0.0.1:${port}/core:user:${worker}`);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 200 });
  await session.send("Profiler.start");
  const result = await work();
  const { result: stopped } = await session.send("Profiler.stop");
  session.close();
  const { nodes, samples, timeDeltas } = stopped.profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  samples.forEach((id, i) => {
    const dt = timeDeltas[i] ?? 0;
    total += dt;
    self.set(label(byId.get(id)), (self.get(label(byId.get(id))) ?? 0) + dt);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(label(byId.get(at)));
    for (const name of seen) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  });
  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, share: Math.round((us / total) * 1000) / 10 }));
  return { result, rows: rank(self), inclusive: rank(inclusive) };
}

/**
 * Runs `work` with V8's sampling heap profiler on and returns the bytes the isolate allocated
 * (collected since or not) and the top functions by bytes allocated. How often a young-generation
 * collection pauses the runtime follows these bytes (`--allocations`).
 */
export async function allocationsDuring(port, worker, work, top = Number(process.env.PROFILE_TOP) || 15) {
  const session = await connect(`ws://127.0.0.1:${port}/core:user:${worker}`);
  await session.send("HeapProfiler.enable");
  await session.send("HeapProfiler.startSampling", {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const result = await work();
  const { result: stopped } = await session.send("HeapProfiler.stopSampling");
  session.close();
  const bytes = new Map();
  let total = 0;
  const walk = (node) => {
    total += node.selfSize;
    if (node.selfSize > 0) bytes.set(label(node), (bytes.get(label(node)) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(stopped.profile.head);
  const rows = [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, n]) => ({ name, bytes: n }));
  return { result, total, rows };
}
