import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./webhooks.handlers";
import * as routes from "./webhooks.routes";

export const webhooksRouter = createRouter<AppEnv>()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.rotate, handlers.rotate)
  .openapi(routes.test, handlers.test)
  .openapi(routes.deliveries, handlers.deliveries)
  .openapi(routes.retry, handlers.retry);
