import type { Context, Env, MiddlewareHandler } from "hono";
import { ApiError } from "../../lib/errors";

/** What a D1 bookmark looks like: hex groups joined by dashes (a commit position), kept short. */
const BOOKMARK = /^[0-9a-f]+(?:-[0-9a-f]+)*$/i;
const BOOKMARK_MAX_LENGTH = 128;

/** Requests that may write start on the primary: a read before the write never sees a lagging replica. */
const READS_ONLY = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Runs each request in one D1 session (the Sessions API), so reads may go to a nearby replica while
 * a client still reads its own writes: the answer carries the session's bookmark in `header`, and a
 * request that sends a bookmark back reads a state at least that recent. Without one, a read-only
 * request may start on any replica and a request that may write starts on the primary. A malformed
 * bookmark answers 400 before anything runs.
 */
export function d1Session<E extends Env>(options: {
  header: string;
  binding: (env: E["Bindings"]) => D1Database;
  use: (c: Context<E>, session: D1DatabaseSession) => void;
  /** Without read replicas a session buys nothing and costs CPU: then `plain` runs the request on the binding. */
  enabled: (env: E["Bindings"]) => boolean;
  plain: (c: Context<E>) => void;
}): MiddlewareHandler<E> {
  return async function d1Session(c, next) {
    const sent = c.req.header(options.header)?.trim();
    if (sent !== undefined && (sent.length > BOOKMARK_MAX_LENGTH || !BOOKMARK.test(sent))) {
      throw new ApiError("bad_request", `${options.header} is not a bookmark this API gave out`);
    }
    if (!options.enabled(c.env)) {
      options.plain(c);
      return next();
    }
    const session = options.binding(c.env).withSession(sent || (READS_ONLY.has(c.req.method) ? "first-unconstrained" : "first-primary"));
    options.use(c, session);
    await next();
    const bookmark = session.getBookmark();
    if (bookmark) c.header(options.header, bookmark);
  };
}
