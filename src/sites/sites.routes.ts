import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { DeletedSchema, errorResponses, json, jsonBody } from "../lib/openapi";
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
    summary: "List sites (places or events where contacts are captured)",
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
    summary: "Create a site",
    request: { body: jsonBody(SiteBody) },
    responses: { 201: json(SiteSchema, "The site"), ...errorResponses(400, 401, 403, 413, 415) },
  },
);

export const get = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/sites/{id}",
    tags,
    summary: "Get a site",
    request: { params },
    responses: {
      200: json(SiteSchema, "The site"),
      304: { description: "Not modified (If-None-Match)" },
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
    summary: "Rename a site",
    request: { params, body: jsonBody(SiteBody) },
    responses: { 200: json(SiteSchema, "The site"), ...errorResponses(400, 401, 403, 404, 413, 415) },
  },
);

export const remove = apiRoute(
  { permission: "contacts:write" },
  {
    method: "delete",
    path: "/sites/{id}",
    tags,
    summary: "Delete a site",
    description: "Its contacts stay, with `site` set to null.",
    request: { params },
    responses: {
      200: json(DeletedSchema, "Deleted"),
      ...errorResponses(401, 403, 404),
    },
  },
);
