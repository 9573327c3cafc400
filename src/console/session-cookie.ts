import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "hono/utils/buffer";
import { ApiError } from "../lib/errors";
import { SESSION_IDLE_MS } from "./console-sessions.data";

/** Over HTTPS the cookie is `__Host-cardbox_session` (Secure, Path=/, no Domain: this host only). */
const COOKIE = "cardbox_session";
/** The header the console sends its session's CSRF token in, with every write. */
export const CSRF_HEADER = "x-cardbox-csrf";

const overHttps = (c: Context) => new URL(c.req.url).protocol === "https:";
const prefix = (c: Context) => (overHttps(c) ? "host" : undefined);

/** The session token the request's cookie carries, if any. */
export const readSessionToken = (c: Context): string | undefined => getCookie(c, COOKIE, prefix(c)) || undefined;

/** Sets (or slides) the session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, gone after the idle limit. */
export function setSessionCookie(c: Context, token: string) {
  setCookie(c, COOKIE, token, {
    path: "/",
    httpOnly: true,
    sameSite: "Strict",
    maxAge: SESSION_IDLE_MS / 1000,
    ...(overHttps(c) ? { secure: true, prefix: "host" as const } : {}),
  });
}

export function clearSessionCookie(c: Context) {
  deleteCookie(c, COOKIE, { path: "/", httpOnly: true, sameSite: "Strict", ...(overHttps(c) ? { secure: true, prefix: "host" } : {}) });
}

/** Methods that change something, which a session may only send with its CSRF token. */
export const isWrite = (method: string) => method !== "GET" && method !== "HEAD" && method !== "OPTIONS";

/** Refuses a request that did not come from a page of this origin (a browser always sends `Origin` on a write). */
export function requireSameOrigin(c: Context) {
  if (c.req.header("origin") !== new URL(c.req.url).origin) {
    throw new ApiError("forbidden", "Cross-origin request refused: Origin must be this site's");
  }
}

/** Refuses a write whose `x-cardbox-csrf` is not the session's token, or that came from another origin. */
export async function requireCsrfToken(c: Context, expected: string) {
  requireSameOrigin(c);
  const sent = c.req.header(CSRF_HEADER);
  if (!sent || !(await timingSafeEqual(sent, expected))) {
    throw new ApiError("forbidden", `Missing or wrong CSRF token (${CSRF_HEADER})`);
  }
}
