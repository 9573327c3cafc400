import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { DeletedSchema, ErrorSchema, errorResponses, json, jsonBody, jsonWithETag, NOT_MODIFIED } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { ContactSchema, tagList } from "./contacts.fields";
import {
  BatchSchema,
  ContactCreateSchema,
  ContactLimitsSchema,
  ContactListSchema,
  ContactPatchSchema,
  ContactPutSchema,
  ContactTagsSchema,
  ContactUpsertSchema,
  DuplicateGroupListSchema,
  DuplicatesQuery,
  ListContactsQuery,
  MAX_MERGE,
  MergeSchema,
  rfc3339,
} from "./contacts.schemas";

const tags = ["Contacts"];
const params = idParam("Contact");

export const list = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts",
    tags,
    operationId: "listContacts",
    summary: "List and search contacts",
    description:
      "Permission `contacts:read`. Filters combine with AND. Searched or filtered lists count at most 1,000 matches. Custom fields filter as `custom_fields.{key}=value` (equal), or `custom_fields.{key}[op]=value` with `op` one of `eq`, `ne`, `gt`, `lt` (numbers), `contains` (text, case-insensitive) and `exists` (`true` or `false`); at most 10 such parameters.",
    request: { query: ListContactsQuery.doc },
    responses: { 200: json(ContactListSchema, "A page of contacts"), ...errorResponses(400, 401, 403) },
  },
);

export const create = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts",
    tags,
    operationId: "createContact",
    summary: "Create a contact",
    description:
      "Permission `contacts:write`. CRM fields (`first_name` or `name` required), a save from a public profile (`profile_id`), or both (explicit fields win).",
    request: { body: jsonBody(ContactCreateSchema) },
    responses: {
      201: jsonWithETag(ContactSchema, "The created contact"),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415),
    },
  },
);

export const upsert = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts/upsert",
    tags,
    operationId: "upsertContact",
    summary: "Create or update a contact matched on email, then phone",
    description:
      "Matches on email (case-insensitive), then on phone (by its digits). A match is updated with the fields given (its `source` and `profile_id` kept) and answered 200; otherwise a contact is created (201), which, as for a create, needs `first_name`, `name` or `profile_id` (400 without). A body with neither email nor phone is 400; an email matching one contact and a phone another is 409.",
    request: { body: jsonBody(ContactUpsertSchema) },
    responses: {
      200: jsonWithETag(ContactSchema, "The matched contact, updated"),
      201: jsonWithETag(ContactSchema, "A new contact"),
      ...errorResponses(400, 401, 403, 409, 413, 415),
    },
  },
);

const BatchResultSchema = z
  .object({
    results: z.array(
      z.object({
        status: z.number().int(),
        contact: ContactSchema.optional(),
        error: ErrorSchema.optional(),
      }),
    ),
  })
  .openapi("ContactBatchResult");

export const batch = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts/batch",
    tags,
    operationId: "createContactsBatch",
    summary: "Create up to 100 contacts, each on its own",
    description: "Each item is validated and written atomically on its own; `results` keep the request order.",
    request: { body: jsonBody(BatchSchema) },
    responses: { 207: json(BatchResultSchema, "One result per item"), ...errorResponses(400, 401, 403, 413, 415) },
  },
);

const TombstoneSchema = z
  .object({
    id: z.string(),
    deleted_at: z.string(),
    merged_into: z.string().nullable().openapi({ description: "The contact it was merged into, when a merge deleted it." }),
  })
  .openapi("ContactTombstone");

export const DeletedQuery = listQuery({
  since: rfc3339.optional().openapi({ description: "Only deletions after this time (exclusive)." }),
});

export const deleted = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/deleted",
    tags,
    operationId: "listDeletedContacts",
    summary: "Deleted contacts, for sync",
    description: "Tombstones are kept 30 days, oldest first.",
    request: { query: DeletedQuery.doc },
    responses: { 200: json(listOf(TombstoneSchema, "ContactTombstoneList"), "Tombstones"), ...errorResponses(400, 401, 403) },
  },
);

export const duplicates = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/duplicates",
    tags,
    operationId: "listDuplicateContacts",
    summary: "Groups of contacts that look like the same person",
    description:
      "Permission `contacts:read`. Groups of two or more contacts with the same name (any case) and company (any case, trimmed), ordered by name then company, each with its oldest contacts (at most 11, enough for one merge) and its `count`. Email and phone need no groups: two contacts never share one (a write that would is 409).",
    request: { query: DuplicatesQuery.doc },
    responses: { 200: json(DuplicateGroupListSchema, "A page of duplicate groups"), ...errorResponses(400, 401, 403) },
  },
);

export const limits = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/limits",
    tags,
    operationId: "getContactLimits",
    summary: "The plan's contact limit and how much of it is used",
    description:
      "The workspace's plan, its contact limit (null when unlimited), how many contacts it holds and how many more it may (never below 0).",
    responses: { 200: json(ContactLimitsSchema, "Limits"), ...errorResponses(401, 403) },
  },
);

export const get = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/{id}",
    tags,
    operationId: "getContact",
    summary: "Get one contact",
    description: "One contact of the workspace, with a strong `ETag`; `If-None-Match` answers 304 while it still matches.",
    request: { params },
    responses: {
      200: jsonWithETag(ContactSchema, "The contact"),
      304: NOT_MODIFIED,
      ...errorResponses(401, 403, 404),
    },
  },
);

export const replace = apiRoute(
  { permission: "contacts:write" },
  {
    method: "put",
    path: "/contacts/{id}",
    tags,
    operationId: "replaceContact",
    summary: "Replace a contact",
    description: "Omitted writable fields go back to their defaults; `source`, `profile_id` and `saved_at` are kept. Never creates.",
    request: { params, body: jsonBody(ContactPutSchema) },
    responses: {
      200: jsonWithETag(ContactSchema, "The replaced contact"),
      ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415),
    },
  },
);

export const patch = apiRoute(
  { permission: "contacts:write" },
  {
    method: "patch",
    path: "/contacts/{id}",
    tags,
    operationId: "updateContact",
    summary: "Change some fields of a contact",
    description:
      "Only the fields sent change; `null` clears one. Read-only fields of the representation are accepted and ignored (an `id` must equal the path's). With `If-Match`, 412 when the contact changed.",
    request: { params, body: jsonBody(ContactPatchSchema) },
    responses: {
      200: jsonWithETag(ContactSchema, "The changed contact"),
      ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415),
    },
  },
);

export const remove = apiRoute(
  { permission: "contacts:write" },
  {
    method: "delete",
    path: "/contacts/{id}",
    tags,
    operationId: "deleteContact",
    summary: "Delete a contact",
    description:
      "Deletes the contact and leaves a tombstone (listed by `GET /contacts/deleted` for 30 days). With `If-Match`, 412 when the contact changed.",
    request: { params },
    responses: { 200: json(DeletedSchema, "Deleted"), ...errorResponses(401, 403, 404, 412) },
  },
);

export const merge = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts/{id}/merge",
    tags,
    operationId: "mergeContacts",
    summary: "Merge contacts into this one",
    description: `Permission \`contacts:write\`. Merges 1 to ${MAX_MERGE} contacts (\`from\`) into this one, atomically: its empty fields are filled from theirs in the order given (its own values win), tags and custom fields are united, notes concatenated. The merged contacts are deleted; their tombstones carry \`merged_into\`, and \`GET /contacts/{merged id}\` answers 404 with \`merged_into\`. One \`contact.merged\` webhook event \`{contact, merged_ids}\`. 400 when \`from\` names this contact or one twice, or the result would break a contact's limits; 404 (nothing changed) when an id is not a contact of the workspace.`,
    request: { params, body: jsonBody(MergeSchema) },
    responses: {
      200: jsonWithETag(ContactSchema, "The surviving contact, merged"),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415),
    },
  },
);

const TagsBody = z.strictObject({ tags: tagList.openapi({ type: "array", items: { type: "string" } }) }).openapi("TagsChange");

export const addTags = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts/{id}/tags/add",
    tags,
    operationId: "addContactTags",
    summary: "Add tags to a contact",
    description:
      "Adds tags (trimmed, lower-cased, kept in order without duplicates; at most 50 on a contact) and answers the contact's tags.",
    request: { params, body: jsonBody(TagsBody) },
    responses: { 200: json(ContactTagsSchema, "The contact's tags"), ...errorResponses(400, 401, 403, 404, 413, 415) },
  },
);

export const removeTags = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts/{id}/tags/remove",
    tags,
    operationId: "removeContactTags",
    summary: "Remove tags from a contact",
    description: "Removes tags and answers the contact's tags; tags the contact does not carry are ignored.",
    request: { params, body: jsonBody(TagsBody) },
    responses: { 200: json(ContactTagsSchema, "The contact's tags"), ...errorResponses(400, 401, 403, 404, 413, 415) },
  },
);

export const vcard = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/{id}/vcard",
    tags,
    operationId: "getContactVCard",
    summary: "The contact as a vCard 3.0",
    description: "The contact as a vCard 3.0 file (`text/vcard`), every property escaped and folded.",
    request: { params },
    responses: {
      200: { description: "vCard 3.0", content: { "text/vcard": { schema: z.string() } } },
      ...errorResponses(401, 403, 404),
    },
  },
);

const TagCountSchema = z.object({ tag: z.string(), count: z.number().int() }).openapi("TagCount");

export const TagsQuery = listQuery({});

export const listTags = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/tags",
    tags: ["Tags"],
    operationId: "listTags",
    summary: "Tags in use, with how many contacts carry each",
    description: "Most used first, then by name.",
    request: { query: TagsQuery.doc },
    responses: { 200: json(listOf(TagCountSchema, "TagCountList"), "Tags"), ...errorResponses(400, 401, 403) },
  },
);
