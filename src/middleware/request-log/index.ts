import type { Context, Env, MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";

/** A request's log line. */
export interface RequestLine {
  method: string;
  /** The route pattern, never the raw URL (which may carry a key in a query). */
  route: string | null;
  status: number;
  duration_ms: number;
  request_id: string;
  workspace_id: string | null;
}

/** Writes a request's line: `info`, or `error` for a 5xx. */
export const logRequest = (line: RequestLine) =>
  console.log(JSON.stringify({ level: line.status >= 500 ? "error" : "info", msg: "request", ...line }));

/** Rounds a duration in milliseconds to a tenth. */
export const durationSince = (started: number) => Math.round((performance.now() - started) * 10) / 10;

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
    logRequest({
      method: c.req.method,
      route: routePath(c, -1) || null,
      status: c.res.status,
      duration_ms: durationSince(started),
      request_id: c.var.requestId,
      workspace_id: options.workspaceOf(c),
    });
  };
}
