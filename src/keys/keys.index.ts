import { createRouter } from "../lib/openapi";
import type { AppEnv } from "./app-env";
import * as handlers from "./keys.handlers";
import * as routes from "./keys.routes";

export const apiKeysRouter = createRouter<AppEnv>()
  .openapi(routes.createKey, handlers.createKey)
  .openapi(routes.listKeys, handlers.listKeys)
  .openapi(routes.revokeKey, handlers.revokeKey)
  .openapi(routes.me, handlers.me);
