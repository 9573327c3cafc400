import type { Context, Env, MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";

/**
 * One structured JSON line per request: method, route pattern (never the raw URL, which may carry
 * a key in a query), status, duration, request id and workspace (`workspaceOf`). No headers, no
 * bodies. Where `failuresOnly` says so, only answers of 400 and above are logged.
 */
export function requestLog<E extends Env & { Variables: RequestIdVariables }>(options: {
  workspaceOf: (c: Context<E>) => string | null;
  failuresOnly?: (c: Context<E>) => boolean;
}): MiddlewareHandler<E> {
  return async function requestLog(c, next) {
    const started = performance.now();
    await next();
    if (c.res.status < 400 && options.failuresOnly?.(c)) return;
    console.log(
      JSON.stringify({
        level: c.res.status >= 500 ? "error" : "info",
        msg: "request",
        method: c.req.method,
        route: routePath(c, -1) || null,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
        request_id: c.var.requestId,
        workspace_id: options.workspaceOf(c),
      }),
    );
  };
}
