import type { OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../keys/app-env";
import { configurationProblems } from "../lib/config";
import { renderDocsPage } from "./docs-page";

const INFO = {
  title: "Cardbox API",
  version: "1.0.0",
  description:
    "Contacts API for digital business cards. Every `/v1` route is also served below `/api/v1`. " +
    "Authenticate with `x-api-key: <key>` or `Authorization: Bearer <key>`. Request bodies accept the camelCase spelling of every field.",
};

/** `/openapi.json` (generated from the route schemas), `/docs` (a reference page built from it) and `/healthz`. */
export function registerDocs(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKey", { type: "apiKey", in: "header", name: "x-api-key" });
  app.openAPIRegistry.registerComponent("securitySchemes", "Bearer", { type: "http", scheme: "bearer" });
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminToken", {
    type: "http",
    scheme: "bearer",
    description: "The ADMIN_TOKEN secret.",
  });
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  const openapi = () => (document ??= app.getOpenAPI31Document({ openapi: "3.1.0", info: INFO }));

  app.get("/openapi.json", (c) => c.json(openapi()));
  app.get("/docs", (c) => c.html(renderDocsPage(openapi() as Parameters<typeof renderDocsPage>[0])));
  // 503 when the database does not answer or the deployment lacks a setting it needs: loud, at once.
  app.get("/healthz", async (c) => {
    const { db } = c.var;
    await db.run(db.orm.run(sql`SELECT 1`));
    const problems = configurationProblems(c.env);
    return problems.length === 0 ? c.json({ status: "ok" }) : c.json({ status: "misconfigured", problems }, 503);
  });
}
