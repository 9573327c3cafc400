import type { MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { uuidv4 } from "../../lib/ids";

const HEADER = "X-Request-Id";
/** A caller's own id is kept when it is short and plain (letters, digits, `_`, `-`, `=`). */
const PLAIN_ID = /^[\w\-=]{1,255}$/;

/** The request's id: the caller's `X-Request-Id` if it is plain, else a new UUID v4 (from `lib/ids.ts`'s pool of random bytes). */
export function requestIdOf(request: Request): string {
  const sent = request.headers.get(HEADER);
  return sent !== null && PLAIN_ID.test(sent) ? sent : uuidv4();
}

/**
 * Gives each request an id (`c.var.requestId`) and every answer its `X-Request-Id`, an answer a
 * handler built itself (the MCP transport's) included.
 */
export function requestId(): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  return async function requestId(c, next) {
    const id = requestIdOf(c.req.raw);
    c.set("requestId", id);
    c.header(HEADER, id);
    await next();
    if (!c.res.headers.has(HEADER)) {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(HEADER, id);
    }
  };
}
