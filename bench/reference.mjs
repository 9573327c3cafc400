// The platform's floor: the smallest Worker doing the same platform work as each Cardbox
// scenario, in the same runtime and the same run. Never deployed; used only by `npm run bench`.
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS c (k TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  }
  increment() {
    return this.ctx.storage.sql.exec("INSERT INTO c VALUES ('n', 1) ON CONFLICT (k) DO UPDATE SET n = n + 1 RETURNING n").one().n;
  }
  /** A scan's platform work: the count, then its row in D1 before answering. */
  async incrementAndInsert() {
    const n = this.increment();
    await this.env.DB.prepare("INSERT INTO bench_reference (id, body) VALUES (?, ?)").bind(crypto.randomUUID(), "scan").run();
    return n;
  }
}

/**
 * The headers of Cardbox's QR redirect (`src/middleware/security-headers`, the request id, the
 * cache rule): a Worker that answers the same redirect and does nothing else.
 */
const REDIRECT_HEADERS = [
  ["Location", "/p/bench-card?via=qr"],
  ["Cache-Control", "no-store"],
  ["X-Request-Id", "0190a8c4-0000-4000-8000-000000000000"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "strict-origin-when-cross-origin"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "DENY"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
];

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/__ref/noop":
        return Response.json({ ok: true });
      case "/__ref/redirect":
        return new Response(null, { status: 302, headers: REDIRECT_HEADERS });
      case "/__ref/read": {
        const row = await env.DB.prepare("SELECT * FROM contacts WHERE workspace_id = ? AND id = ?")
          .bind(url.searchParams.get("ws"), url.searchParams.get("id"))
          .first();
        return Response.json(row);
      }
      case "/__ref/insert": {
        await env.DB.prepare("INSERT INTO bench_reference (id, body) VALUES (?, ?)").bind(crypto.randomUUID(), "x").run();
        return Response.json({ ok: true }, { status: 201 });
      }
      case "/__ref/incr": {
        const stub = env.COUNTER.get(env.COUNTER.idFromName("hot"));
        return Response.json({ n: await stub.increment() });
      }
      case "/__ref/incr-insert": {
        const stub = env.COUNTER.get(env.COUNTER.idFromName("hot"));
        return Response.json({ n: await stub.incrementAndInsert() }, { status: 201 });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
