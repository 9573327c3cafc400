import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./profiles.handlers";
import * as routes from "./profiles.routes";

export const profilesRouter = createRouter<AppEnv>()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.qr, handlers.qr);
