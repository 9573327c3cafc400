import type { Context } from "hono";
import type { AppEnv } from "../keys/app-env";
import { ApiError } from "../lib/errors";
import { createRouter } from "../lib/openapi";
import * as handlers from "./console.handlers";
import * as routes from "./console.routes";

/**
 * The console's page: its own scripts and styles, and requests to this origin only (no fonts,
 * scripts or images from elsewhere). Images may be `data:` and `blob:` URLs (the QR codes).
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Any page below /app is the console's one HTML page (built by Vite into the static assets);
 * its router shows the page the path names. A path with a file extension is a missing file, not a page.
 */
async function consoleShell(c: Context<AppEnv>) {
  if (/\.[^/]*$/.test(c.req.path)) throw new ApiError("not_found", `No file ${c.req.path}`);
  const shell = await c.env.ASSETS.fetch(new URL("/app/", c.req.url));
  if (!shell.ok) throw new ApiError("internal", "The console is not built (npm run build:console)");
  return c.body(await shell.text(), 200, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONSOLE_CSP,
  });
}

const router = createRouter<AppEnv>();
router.openAPIRegistry.registerComponent("securitySchemes", "ConsoleSession", {
  type: "apiKey",
  in: "cookie",
  name: "cardbox_session",
  description: "The console's session cookie (`__Host-cardbox_session` over HTTPS), from `POST /app/session`.",
});

export const consoleRouter = router
  .openapi(routes.signIn, handlers.signIn)
  .openapi(routes.getSession, handlers.getSession)
  .openapi(routes.signOut, handlers.signOut)
  .get("/", consoleShell)
  .get("/*", consoleShell);
