import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../../keys/caller";

/**
 * One structured JSON line per request: method, route pattern (never the raw URL, which may carry
 * a key in a query), status, duration, request id and workspace. No headers, no bodies.
 */
export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    console.log(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        msg: "request",
        method: c.req.method,
        route: routePath(c, -1) || null,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        request_id: c.var.requestId,
        workspace_id: c.get("caller")?.workspace.id ?? null,
      }),
    );
  };
}
