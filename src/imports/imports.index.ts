import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import { IMPORT_TYPES, isImportType, MAX_IMPORT_BYTES } from "./import-files";
import * as handlers from "./imports.handlers";
import * as routes from "./imports.routes";

export const importsRouter = createRouter<AppEnv>()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get);

/** The path whose POST body is a file rather than JSON, and the guard of that body. */
export const IMPORT_UPLOAD = { path: "/v1/imports", maxBytes: MAX_IMPORT_BYTES, accepts: isImportType, unsupported: IMPORT_TYPES } as const;
