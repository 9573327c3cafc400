import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { DeletedSchema, errorResponses, json, jsonBody, jsonWithETag, NOT_MODIFIED } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { text } from "../lib/validation";

const tags = ["Sites"];
const params = idParam("Site");

export const SiteSchema = z.object({ id: z.string(), title: z.string(), created_at: z.string(), updated_at: z.string() }).openapi("Site");

const SiteBody = z.strictObject({ title: text(256, 1) }).openapi("SiteInput");

export const SitesQuery = listQuery({});

export const list = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/sites",
    tags,
    operationId: "listSites",
    summary: "List sites (places or events where contacts are captured)",
    description: "Places or events where contacts are captured, newest first.",
    request: { query: SitesQuery.doc },
    responses: { 200: json(listOf(SiteSchema, "SiteList"), "Sites, newest first"), ...errorResponses(400, 401, 403) },
  },
);

export const create = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/sites",
    tags,
    operationId: "createSite",
    summary: "Create a site",
    description: "A place or event (a trade-show booth) that contacts can name with `site_id`.",
    request: { body: jsonBody(SiteBody) },
    responses: { 201: jsonWithETag(SiteSchema, "The site"), ...errorResponses(400, 401, 403, 413, 415) },
  },
);

export const get = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/sites/{id}",
    tags,
    operationId: "getSite",
    summary: "Get a site",
    description: "One site, with an `ETag`.",
    request: { params },
    responses: {
      200: jsonWithETag(SiteSchema, "The site"),
      304: NOT_MODIFIED,
      ...errorResponses(401, 403, 404),
    },
  },
);

export const patch = apiRoute(
  { permission: "contacts:write" },
  {
    method: "patch",
    path: "/sites/{id}",
    tags,
    operationId: "renameSite",
    summary: "Rename a site",
    description: "Renames the site; every contact naming it shows the new title. With `If-Match`, 412 when it changed.",
    request: { params, body: jsonBody(SiteBody) },
    responses: { 200: jsonWithETag(SiteSchema, "The site"), ...errorResponses(400, 401, 403, 404, 412, 413, 415) },
  },
);

export const remove = apiRoute(
  { permission: "contacts:write" },
  {
    method: "delete",
    path: "/sites/{id}",
    tags,
    operationId: "deleteSite",
    summary: "Delete a site",
    description: "Its contacts stay, with `site` set to null.",
    request: { params },
    responses: {
      200: json(DeletedSchema, "Deleted"),
      ...errorResponses(401, 403, 404, 412),
    },
  },
);
