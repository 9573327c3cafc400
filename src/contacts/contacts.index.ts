import type { AppEnv } from "../keys/app-env";
import { createRouter } from "../lib/openapi";
import * as handlers from "./contacts.handlers";
import * as routes from "./contacts.routes";

// Fixed paths before `/contacts/{id}` so they are never read as an id.
export const contactsRouter = createRouter<AppEnv>()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.upsert, handlers.upsert)
  .openapi(routes.batch, handlers.batch)
  .openapi(routes.deleted, handlers.deleted)
  .openapi(routes.duplicates, handlers.duplicates)
  .openapi(routes.limits, handlers.limits)
  .openapi(routes.get, handlers.get)
  .openapi(routes.replace, handlers.replace)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.addTags, handlers.addTags)
  .openapi(routes.removeTags, handlers.removeTags)
  .openapi(routes.merge, handlers.merge)
  .openapi(routes.vcard, handlers.vcard)
  .openapi(routes.listTags, handlers.listTags);
