import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../keys/app-env";
import { keyRefused } from "../keys/key-proof";
import { dbFor } from "../lib/db/client";
import { findLiveSession, type LiveSession, touchSession } from "./console-sessions.data";
import { clearSessionCookie, isWrite, readSessionToken, requireCsrfToken, setSessionCookie } from "./session-cookie";

/** How stale `last_seen_at` may get before a request slides it (one write a minute, not per request). */
const LAST_SEEN_PRECISION_MS = 60_000;

export const notSignedIn = () => keyRefused("Not signed in");
const sessionEnded = () => keyRefused("Session expired or signed out; sign in again", "invalid_token");

/**
 * The request's live session, or a 401 that also clears a dead cookie. A write must carry the
 * session's CSRF token from this origin (403 otherwise). Slides the idle limit, at most once a
 * minute: the row now, and `slid` says the caller should set the cookie again (its Max-Age).
 */
export async function liveSession(c: Context<AppEnv>, token: string): Promise<LiveSession & { slid: boolean }> {
  const session = await findLiveSession(c.var.db, token);
  if (!session) {
    clearSessionCookie(c);
    throw sessionEnded();
  }
  if (isWrite(c.req.method)) await requireCsrfToken(c, session.csrfToken);
  const now = Date.now();
  const slid = now - Date.parse(session.lastSeenAt) > LAST_SEEN_PRECISION_MS;
  if (slid) c.executionCtx.waitUntil(touchSession(dbFor(c.env.DB), session, new Date(now).toISOString()));
  return { ...session, slid };
}

/**
 * The console's way into `/v1`: a request without an API key header but with the session cookie
 * acts as the session's key (its permissions, its workspace). A request with a key header is a key
 * request, exactly as before; one with neither is left to the key check (401).
 */
export function consoleSession(): MiddlewareHandler<AppEnv> {
  return async function consoleSession(c, next) {
    const headers = c.req.raw.headers;
    const token = headers.has("x-api-key") || headers.has("authorization") ? undefined : readSessionToken(c);
    if (!token) return next();
    const session = await liveSession(c, token);
    c.set("caller", session.caller);
    await next();
    // After the handler: a cookie set before it would be lost on an answer it builds itself.
    if (session.slid) setSessionCookie(c, token);
  };
}
