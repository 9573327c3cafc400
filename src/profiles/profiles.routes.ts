import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { DeletedSchema, errorResponses, json, jsonBody, jsonWithETag, NOT_MODIFIED } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { email, httpUrl, text, withAliases } from "../lib/validation";

const tags = ["Profiles"];
const params = idParam("Profile");

export const HANDLE_PATTERN = /^[a-z0-9-]{3,40}$/;

const handle = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().regex(HANDLE_PATTERN, "must be 3–40 characters of a-z, 0-9 and -"))
  .openapi({
    type: "string",
    pattern: "^\\s*[A-Za-z0-9-]{3,40}\\s*$",
    description: "3–40 of a-z, 0-9 and -, unique across all workspaces; trimmed and lower-cased.",
  });

const fields = {
  name: text(256, 1),
  title: text(256).nullable(),
  company: text(256).nullable(),
  location: text(256).nullable(),
  photo_url: httpUrl.nullable(),
  email: email.nullable(),
  phone: text(256).nullable(),
  website: httpUrl.nullable(),
  bio: text(2000, 0, { multiline: true }).nullable(),
  public: z.boolean().openapi({ description: "Public profiles can be seen, scanned and saved by anyone. Default true." }),
  lead_capture: z.enum(["on", "off"]).openapi({
    description: "`on` (default): the public card offers visitors a form to share their details with the owner.",
  }),
};

const READ_ONLY = ["id", "created_at", "updated_at"];

const optionalFields = {
  title: fields.title.optional(),
  company: fields.company.optional(),
  location: fields.location.optional(),
  photo_url: fields.photo_url.optional(),
  email: fields.email.optional(),
  phone: fields.phone.optional(),
  website: fields.website.optional(),
  bio: fields.bio.optional(),
  public: fields.public.optional(),
  lead_capture: fields.lead_capture.optional(),
};

export const ProfileCreateSchema = withAliases(z.strictObject({ handle, name: fields.name, ...optionalFields })).openapi("ProfileCreate");

export const ProfilePatchSchema = withAliases(
  z.strictObject({ handle: handle.optional(), name: fields.name.optional(), ...optionalFields }),
  {},
  READ_ONLY,
).openapi("ProfilePatch");

export const ProfileSchema = z
  .object({
    id: z.string(),
    handle: z.string(),
    name: z.string(),
    title: z.string().nullable(),
    company: z.string().nullable(),
    location: z.string().nullable(),
    photo_url: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    website: z.string().nullable(),
    bio: z.string().nullable(),
    public: z.boolean(),
    lead_capture: z.enum(["on", "off"]),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Profile");

export const ProfilesQuery = listQuery({});

export const create = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/profiles",
    tags,
    operationId: "createProfile",
    summary: "Create a profile (a public business card)",
    description:
      "A public business card with a handle unique across all workspaces (3–40 of a-z, 0-9 and -; lower-cased). A taken handle is 409.",
    request: { body: jsonBody(ProfileCreateSchema) },
    responses: { 201: jsonWithETag(ProfileSchema, "The profile"), ...errorResponses(400, 401, 403, 409, 413, 415) },
  },
);

export const list = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/profiles",
    tags,
    operationId: "listProfiles",
    summary: "List the workspace's profiles",
    description: "The workspace's own profiles, newest first.",
    request: { query: ProfilesQuery.doc },
    responses: { 200: json(listOf(ProfileSchema, "ProfileList"), "Profiles, newest first"), ...errorResponses(400, 401, 403) },
  },
);

export const get = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/profiles/{id}",
    tags,
    operationId: "getProfile",
    summary: "Get a profile: one of the workspace's own, or any public profile",
    description: "One of the workspace's profiles, or any public profile of another workspace, with an `ETag`.",
    request: { params },
    responses: {
      200: jsonWithETag(ProfileSchema, "The profile"),
      304: NOT_MODIFIED,
      ...errorResponses(401, 403, 404),
    },
  },
);

export const patch = apiRoute(
  { permission: "contacts:write" },
  {
    method: "patch",
    path: "/profiles/{id}",
    tags,
    operationId: "updateProfile",
    summary: "Change a profile",
    description: "A changed handle keeps redirecting from the old one, which is never given to anyone else.",
    request: { params, body: jsonBody(ProfilePatchSchema) },
    responses: { 200: jsonWithETag(ProfileSchema, "The profile"), ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415) },
  },
);

export const remove = apiRoute(
  { permission: "contacts:write" },
  {
    method: "delete",
    path: "/profiles/{id}",
    tags,
    operationId: "deleteProfile",
    summary: "Delete a profile and its scans",
    description: "Contacts saved from it stay, with `profile_id` kept.",
    request: { params },
    responses: {
      200: json(DeletedSchema, "Deleted"),
      ...errorResponses(401, 403, 404, 412),
    },
  },
);

export const qr = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/profiles/{id}/qr.svg",
    tags,
    operationId: "getProfileQrCode",
    summary: "QR code (SVG) that opens the profile's card: {PUBLIC_BASE_URL}/q/{handle}",
    description: "An SVG QR code that opens `{PUBLIC_BASE_URL}/q/{handle}`: each scan is counted, then the card opens.",
    request: { params },
    responses: {
      200: { description: "SVG", content: { "image/svg+xml": { schema: z.string() } } },
      ...errorResponses(401, 403, 404),
    },
  },
);
