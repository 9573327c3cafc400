import { z } from "@hono/zod-openapi";
import { listOf, listQuery, paginationAliases } from "../lib/pagination";
import { text, uuid, withAliases } from "../lib/validation";
import { PLANS } from "../workspaces/plans";
import { CONTACT_ALIASES, ContactSchema, SOURCES, siteRef, stage, WRITABLE } from "./contacts.fields";

export const SORTS = ["-created_at", "created_at", "-updated_at", "updated_at", "name", "-name"] as const;
export type Sort = (typeof SORTS)[number];

const writable = WRITABLE;

const createShape = z.strictObject({
  id: uuid.optional().openapi({ description: "Client-chosen id; 409 if already used." }),
  name: text(513, 1).optional().openapi({ description: "Split at the last space into first/last name." }),
  ...partial(writable),
  source: z.enum(SOURCES).optional(),
  profile_id: uuid.optional().openapi({ description: "Save a contact from a public profile." }),
});

export const ContactCreateSchema = withAliases(
  createShape.superRefine((body, ctx) => {
    if (body.first_name === undefined && body.name === undefined && body.profile_id === undefined) {
      ctx.addIssue({ code: "custom", path: ["first_name"], message: "is required" });
    }
  }),
  CONTACT_ALIASES,
).openapi("ContactCreate");

/** PUT/PATCH bodies: read-only fields the API returns are accepted and ignored, so GET → PUT round-trips. */
const READ_ONLY = ["source", "profile_id", "captured_by_profile_id", "consent_at", "created_at", "updated_at", "saved_at"];

const updateShape = z.strictObject({
  id: uuid.optional().openapi({ description: "Read-only; must equal the path id when sent." }),
  name: text(513, 1).optional().openapi({ description: "Used only when neither first_name nor last_name is sent." }),
  site: siteRef.nullable().optional().openapi({
    description: "Read-only shape of the response; used as the site only when neither site_id nor a location object is sent.",
  }),
  ...partial(writable),
});

export const ContactPutSchema = withAliases(
  updateShape.superRefine((body, ctx) => {
    if (body.first_name === undefined && body.name === undefined) {
      ctx.addIssue({ code: "custom", path: ["first_name"], message: "is required" });
    }
  }),
  CONTACT_ALIASES,
  READ_ONLY,
).openapi("ContactReplace");

export const ContactPatchSchema = withAliases(updateShape, CONTACT_ALIASES, READ_ONLY).openapi("ContactPatch");

export const ContactUpsertSchema = withAliases(
  createShape.superRefine((body, ctx) => {
    if (body.email == null && body.phone == null) {
      ctx.addIssue({ code: "custom", path: ["email"], message: "or phone is required to match on" });
    }
  }),
  CONTACT_ALIASES,
).openapi("ContactUpsert");

export const BatchSchema = z
  .strictObject({
    contacts: z
      .array(z.unknown().openapi({ description: "A ContactCreate body; each is validated on its own." }))
      .min(1)
      .max(100),
  })
  .openapi("ContactBatch");

export type ContactCreateInput = z.output<typeof ContactCreateSchema>;
export type ContactUpdateInput = z.output<typeof ContactPatchSchema>;

export const rfc3339 = z
  .string()
  .refine((s) => RFC_3339.test(s) && !Number.isNaN(Date.parse(s)), { message: "must be an RFC 3339 timestamp" })
  .transform((s) => new Date(s).toISOString())
  .openapi({ format: "date-time" });

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export const LIST_ALIASES = { ...paginationAliases, search_text: "q", channel: "source", location_id: "site_id" };

export const ListContactsQuery = listQuery(
  {
    q: text(256, 1)
      .optional()
      .openapi({ description: "Full-text prefix search over name, email, phone, company, job title, notes. Alias: `searchText`." }),
    tags: z
      .string()
      .transform((s, ctx) => {
        const tags = [
          ...new Set(
            s
              .split(",")
              .map((t) => t.trim().toLowerCase())
              .filter(Boolean),
          ),
        ];
        if (tags.length === 0 || tags.length > 50) ctx.addIssue({ code: "custom", message: "must list 1 to 50 tags" });
        return tags;
      })
      .optional()
      .openapi({ type: "string", description: "Comma-separated; a contact must carry all of them." }),
    stage: stage.optional(),
    source: z.enum(SOURCES).optional().openapi({ description: "Alias: `channel`." }),
    site_id: uuid.optional().openapi({ description: "Alias: `locationId`." }),
    profile_id: uuid.optional(),
    email: z.string().min(1).max(256).optional(),
    phone: z.string().min(1).max(256).optional(),
    created_after: rfc3339.optional(),
    created_before: rfc3339.optional(),
    updated_after: rfc3339.optional(),
    sort: z.enum(SORTS).optional().openapi({ description: "Default `-created_at`; `id` breaks ties." }),
  },
  LIST_ALIASES,
);

export const ContactListSchema = listOf(ContactSchema, "ContactList");

/** A contact's tags after adding or removing some. */
export const ContactTagsSchema = z.object({ id: z.string(), tags: z.array(z.string()) }).openapi("ContactTags");

/** `{plan, limit, used, remaining}`; limit and remaining are null on unlimited plans. */
export const ContactLimitsSchema = z
  .object({
    plan: z.enum(PLANS),
    limit: z.number().int().nullable(),
    used: z.number().int(),
    remaining: z.number().int().nullable(),
  })
  .openapi("ContactLimits");

function partial<T extends Record<string, z.ZodType>>(shape: T) {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}
