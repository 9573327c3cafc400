import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./admin.handlers";
import * as routes from "./admin.routes";

export const adminRouter = createRouter<AppEnv>()
  .openapi(routes.createWorkspace, handlers.createWorkspace)
  .openapi(routes.getWorkspace, handlers.getWorkspace)
  .openapi(routes.patchWorkspace, handlers.patchWorkspace)
  .openapi(routes.mintKey, handlers.mintKey)
  .openapi(routes.deleteWorkspace, handlers.deleteWorkspace)
  .openapi(routes.resealWebhookSecrets, handlers.resealWebhookSecrets);
