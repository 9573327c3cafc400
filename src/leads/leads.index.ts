import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./leads.handlers";
import * as routes from "./leads.routes";

export const leadsRouter = createRouter<AppEnv>()
  .openapi(routes.listHeld, handlers.listHeld)
  .openapi(routes.release, handlers.release)
  .openapi(routes.discard, handlers.discard);
