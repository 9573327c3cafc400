import type { MiddlewareHandler } from "hono";

/** On every answer, replacing any a handler set: nosniff, no framing, a referrer policy and the rest of Helmet's set. */
export const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
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

/** Whenever the request came over HTTPS. */
export const HSTS: [string, string] = ["Strict-Transport-Security", "max-age=63072000; includeSubDomains"];

/** Sets the security headers on `headers`: the set, and HSTS when `url` is HTTPS; no `X-Powered-By`. */
function setSecurityHeaders(headers: Headers, url: string) {
  for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
  if (url.startsWith("https:")) headers.set(...HSTS);
  headers.delete("X-Powered-By");
}

/** The security headers on every answer. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await next();
    setSecurityHeaders(c.res.headers, c.req.url);
  };
}
