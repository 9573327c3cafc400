import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  base: string;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts Cardbox with `npm start` (the README's command) on a free port and its own local state,
 * in its own process group so that stopping it also ends wrangler's workerd child.
 */
export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "cardbox-e2e-"));
  let log = "";
  const child: ChildProcess = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, PORT: String(port), CARDBOX_PERSIST_TO: state, WRANGLER_SEND_METRICS: "false", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${log}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    base,
    output: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        process.kill(-child.pid!, "SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** Provisions a workspace through the admin API with the development token `npm start` writes to `.dev.vars.example`. */
export async function provision(base: string, plan = "free") {
  const res = await fetch(`${base}/admin/workspaces`, {
    method: "POST",
    headers: { Authorization: "Bearer dev-admin-token", "Content-Type": "application/json" },
    body: JSON.stringify({ name: "E2E", plan }),
  });
  if (res.status !== 201) throw new Error(`provisioning failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { api_key: { key: string } }).api_key.key;
}

/** A tiny JSON client for the API with one key. */
export function apiClient(base: string, key: string) {
  return async (method: string, pathname: string, body?: unknown) => {
    const res = await fetch(`${base}${pathname}`, {
      method,
      headers: { "x-api-key": key, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}

/** Safari on an iPhone, as a phone scanning a card sends it. */
export const PHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148";
/** A phone's Chrome: headless Chromium's and Node's own user agents are crawlers', whose visits are not counted. */
export const PHONE_CHROME =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/**
 * A visitor on a phone opening a card (`/p/{handle}`, a counted visit) and sharing their details
 * through its lead form, as the browser would post it; answers the form's status (303 when taken).
 */
export async function shareLead(base: string, handle: string, fields: { name: string; email?: string; company?: string }) {
  const card = await (await fetch(`${base}/p/${handle}`, { headers: { "user-agent": PHONE_CHROME } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(card)?.[1];
  if (!csrf) throw new Error(`no lead form on /p/${handle}`);
  const posted = await fetch(`${base}/p/${handle}/connect`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": PHONE_CHROME },
    body: new URLSearchParams({ csrf, via: "web", website: "", consent: "yes", ...fields }),
  });
  return posted.status;
}
