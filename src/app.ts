import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getPath } from "hono/utils/url";
import { adminRouter } from "./admin/admin.index";
import { consoleRouter } from "./console/console.index";
import { consoleSession } from "./console/console-session";
import { contactsRouter } from "./contacts/contacts.index";
import { contactsExportRouter } from "./contacts/contacts-export.index";
import { registerDocs } from "./docs/docs.index";
import { IMPORT_UPLOAD, importsRouter } from "./imports/imports.index";
import type { AppEnv } from "./keys/app-env";
import { apiKeyAuth, currentWorkspace } from "./keys/auth";
import { apiKeysRouter } from "./keys/keys.index";
import { leadsRouter } from "./leads/leads.index";
import { dbFor } from "./lib/db/client";
import { Db } from "./lib/db/runner";
import { ApiError } from "./lib/errors";
import { createRouter } from "./lib/openapi";
import { toApiError } from "./lib/render-error";
import { createMethodResolver, RouteNotMatched } from "./lib/routing";
import { handleMcpRequest } from "./mcp/mcp.server";
import { apiCors } from "./middleware/cors";
import { d1Session } from "./middleware/d1-session";
import { jsonBody } from "./middleware/json-body";
import { clientIp, RateLimiter, rateLimit } from "./middleware/rate-limit";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { uploadBody } from "./middleware/upload-body";
import { profilesRouter } from "./profiles/profiles.index";
import { isPublicPage, publicErrorPage, publicRouter } from "./public/public.index";
import { isQrPath, publicLimiter } from "./public/qr";
import { scansRouter } from "./scans/scans.index";
import { sitesRouter } from "./sites/sites.index";
import { webhookDispatch } from "./webhooks/dispatch";
import { webhooksRouter } from "./webhooks/webhooks.index";

/** The D1 session bookmark: on every answer that read or wrote, and accepted back on any request. */
const BOOKMARK_HEADER = "x-cardbox-bookmark";

/** Every `/v1` route is served identically below `/api/v1` (the business-card seed's prefix). */
const API_MIRROR = "/api/v1";

/** Per API key on the API, per client IP on the public pages and /admin; only where the bindings exist (production). */
const apiLimiter = new RateLimiter({ binding: (env) => env.API_RATE_LIMITER, limit: (env) => Number(env.API_RATE_LIMIT) || 600 });
/** Tight: it is what stands between the admin token and guessing. */
const adminLimiter = new RateLimiter({ binding: (env) => env.ADMIN_RATE_LIMITER, limit: (env) => Number(env.ADMIN_RATE_LIMIT) || 10 });

const apiRateLimit = () => rateLimit<AppEnv>(apiLimiter, (c) => `key:${c.var.caller.apiKey.id}`);
const publicRateLimit = () => rateLimit<AppEnv>(publicLimiter, (c) => clientIp(c.req.raw));
const adminRateLimit = () => rateLimit<AppEnv>(adminLimiter, (c) => clientIp(c.req.raw));

/** Renders an error: a small HTML page on the public card pages, the JSON error body elsewhere. */
function respondWithError(c: Context<AppEnv>, error: ApiError) {
  if (isPublicPage(c.req.path)) return publicErrorPage(c, error);
  return c.json({ ...error.toBody(), request_id: c.var.requestId }, error.status, error.options.headers);
}

/** An unexpected error (a bug: "error") or a passing failure of the platform ("warn"), with its stack. */
function logUnexpected(c: Context<AppEnv>, error: unknown, level: "error" | "warn") {
  console.error(
    JSON.stringify({
      level,
      request_id: c.var.requestId,
      method: c.req.method,
      path: c.req.path,
      error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
    }),
  );
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    getPath: (request) => {
      const path = getPath(request);
      return path === API_MIRROR || path.startsWith(`${API_MIRROR}/`) ? path.slice(4) : path;
    },
  });
  const allowedMethods = createMethodResolver(() => app.routes);

  /** No route took the request: 405 with Allow when the path exists for other methods, else 404. */
  const unmatched = (c: Context<AppEnv>, message: string) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      return respondWithError(
        c,
        new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${allow.join(", ")}`, {
          headers: { Allow: allow.join(", ") },
        }),
      );
    }
    return respondWithError(c, new ApiError("not_found", message));
  };

  app.use(requestId());
  app.use(
    requestLog<AppEnv>({
      workspaceOf: (c) => c.get("caller")?.workspace.id ?? null,
      // `npm start`: wrangler dev prints a line for every request already. A QR scan's redirect is
      // recorded as the scan itself (the hottest path there is: its line would cost more than the redirect).
      failuresOnly: (c) => c.env.REQUEST_LOG === "failures" || (c.req.method === "GET" && isQrPath(c.req.path)),
    }),
  );
  app.use(securityHeaders());
  app.use("/v1/*", apiCors());
  app.use(
    d1Session<AppEnv>({
      header: BOOKMARK_HEADER,
      binding: (env) => env.DB,
      use: (c, session) => c.set("db", new Db(session)),
      enabled: (env) => env.D1_SESSIONS === "on",
      plain: (c) => c.set("db", dbFor(c.env.DB)),
    }),
  );
  app.use(jsonBody({ uploads: [IMPORT_UPLOAD.path], formPosts: (c) => isPublicPage(c.req.path) }));
  app.use(IMPORT_UPLOAD.path, uploadBody(IMPORT_UPLOAD));
  app.use(webhookDispatch());
  app.use("/v1/*", consoleSession());
  for (const path of ["/v1/*", "/mcp"]) {
    app.use(path, apiKeyAuth());
    app.use(path, apiRateLimit());
  }
  app.use("/admin/*", adminRateLimit());
  // Signing in to the console tries a key, like /admin tries a token: as few a minute per client.
  app.on("POST", "/app/session", adminRateLimit());
  app.use("/q/*", publicRateLimit());
  app.use("/p/*", publicRateLimit());

  // Scans and export first: `/contacts/scans` and `/contacts/export` must never be read as `/contacts/{id}`.
  const v1 = createRouter()
    .route("/", scansRouter)
    .route("/", contactsExportRouter)
    .route("/", contactsRouter)
    .route("/", profilesRouter)
    .route("/", apiKeysRouter)
    .route("/", sitesRouter)
    .route("/", webhooksRouter)
    .route("/", importsRouter)
    .route("/", leadsRouter);
  app.route("/v1", v1);
  app.route("/admin", adminRouter);
  app.route("/app", consoleRouter);
  app.route("/", publicRouter);
  app.post("/mcp", (c) => handleMcpRequest(c.req.raw, { db: c.var.db, caller: c.var.caller, workspace: () => currentWorkspace(c) }));
  registerDocs(app);

  app.notFound((c) => unmatched(c, `No route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    if (error instanceof RouteNotMatched) return unmatched(c, error.resourceMessage);
    const apiError = toApiError(error);
    if (apiError.code === "internal" || apiError.code === "service_unavailable")
      logUnexpected(c, error, apiError.code === "internal" ? "error" : "warn");
    return respondWithError(c, apiError);
  });
  return app;
}
