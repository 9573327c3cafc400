import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./contacts-export.handlers";
import * as routes from "./contacts-export.routes";

/** Mounted before the contacts router, so `/contacts/export` is never read as `/contacts/{id}`. */
export const contactsExportRouter = createRouter<AppEnv>().openapi(routes.exportContacts, handlers.exportContacts);
