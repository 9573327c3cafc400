import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./sites.handlers";
import * as routes from "./sites.routes";

export const sitesRouter = createRouter<AppEnv>()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.get, handlers.get)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove);
