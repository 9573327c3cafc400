import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./scans.handlers";
import * as routes from "./scans.routes";
import * as live from "./scans-live.handlers";
import * as liveRoutes from "./scans-live.routes";

export const scansRouter = createRouter<AppEnv>()
  .openapi(routes.record, handlers.record)
  .openapi(routes.recent, handlers.recent)
  .openapi(routes.sources, handlers.sources)
  .openapi(routes.stats, handlers.stats)
  .openapi(liveRoutes.live, live.live);
