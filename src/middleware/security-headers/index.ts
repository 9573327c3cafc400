import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

const base = secureHeaders({
  xFrameOptions: "DENY",
  referrerPolicy: "strict-origin-when-cross-origin",
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: "same-origin",
  strictTransportSecurity: false,
});

/** nosniff, no framing, a referrer policy on every answer; HSTS whenever the request came over HTTPS. */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    await base(c, async () => {
      await next();
      if (c.req.url.startsWith("https:")) c.res.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    });
  };
}
