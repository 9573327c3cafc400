import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { getPath } from "hono/utils/url";
import { createDb } from "./db/client";
import { ApiError } from "./lib/errors";
import { createRouter } from "./lib/openapi";
import { renderError } from "./lib/render-error";
import { createMethodResolver, RouteNotMatched } from "./lib/routing";
import type { AppEnv } from "./lib/types";
import { apiKeyAuth } from "./middleware/api-key";
import { jsonBody } from "./middleware/json-body";
import { adminRouter } from "./routes/admin/admin.index";
import { apiKeysRouter } from "./routes/api-keys/api-keys.index";
import { contactsRouter } from "./routes/contacts/contacts.index";
import { registerDocs } from "./routes/docs/docs.index";
import { sitesRouter } from "./routes/sites/sites.index";

/** Every `/v1` route is served identically below `/api/v1` (the business-card seed's prefix). */
const API_MIRROR = "/api/v1/";

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    getPath: (request) => {
      const path = getPath(request);
      return path.startsWith(API_MIRROR) || path === "/api/v1" ? path.slice(4) : path;
    },
  });
  const allowedMethods = createMethodResolver(() => app.routes);

  const unmatched = (c: Parameters<Parameters<typeof app.notFound>[0]>[0], message = "Not found") => {
    const allow = allowedMethods(c.req.path);
    const error =
      allow.length > 0 && !allow.includes(c.req.method)
        ? new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${allow.join(", ")}`, {
            headers: { Allow: allow.join(", ") },
          })
        : new ApiError("not_found", message);
    const { status, body, headers } = renderError(error, c.var.requestId);
    return c.json(body, status, headers);
  };

  app.use(requestId());
  app.use(async function database(c, next) {
    c.set("db", createDb(c.env.DB));
    await next();
  });
  app.use(jsonBody());
  app.use("/v1/*", apiKeyAuth());

  const v1 = createRouter().route("/", contactsRouter).route("/", apiKeysRouter).route("/", sitesRouter);
  app.route("/v1", v1);
  app.route("/admin", adminRouter);
  registerDocs(app);

  app.notFound((c) => unmatched(c, `No route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    if (error instanceof RouteNotMatched) return unmatched(c, error.resourceMessage);
    const { status, body, headers, unexpected } = renderError(error, c.var.requestId);
    if (unexpected) {
      console.error(
        JSON.stringify({
          level: "error",
          request_id: c.var.requestId,
          method: c.req.method,
          path: c.req.path,
          error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
        }),
      );
    }
    return c.json(body, status, headers);
  });
  return app;
}
