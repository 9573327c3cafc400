import { z } from "@hono/zod-openapi";
import { email, httpUrl, text, uuid, withAliases } from "../lib/validation";
import { listOf, listQuery, paginationAliases } from "../lib/pagination";

export const STAGES = ["Subscriber", "Lead", "Qualified", "Opportunity", "Customer", "Evangelist", "Other"] as const;
export const SOURCES = ["qr_scan", "web", "mcp", "api", "import"] as const;
export { SCAN_SOURCES } from "../scans/scan-counter";
export const SORTS = ["-created_at", "created_at", "-updated_at", "updated_at", "name", "-name"] as const;

export type Stage = (typeof STAGES)[number];
export type Source = (typeof SOURCES)[number];
export type Sort = (typeof SORTS)[number];

const MAX_TAGS = 50;
const MAX_CUSTOM_FIELDS = 50;

/** Input is case-insensitive; output always uses the listed spelling. */
const stage = z
  .preprocess(
    (v) => (typeof v === "string" ? (STAGES.find((s) => s.toLowerCase() === v.toLowerCase()) ?? v) : v),
    z.enum(STAGES),
  )
  .openapi({ type: "string", enum: [...STAGES], description: "Case-insensitive on input." });

const phone = text(256).refine((s) => /\d/.test(s), { message: "must contain digits" });

export const tag = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(text(64, 1));

/** Up to 50 tags, trimmed, lower-cased and de-duplicated in order. */
export const tagList = z
  .array(tag)
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags)]);

const customFieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: "must be a string, number, boolean or null",
});

const customFields = z
  .record(text(64, 1), customFieldValue)
  .refine((o) => Object.keys(o).length <= MAX_CUSTOM_FIELDS, { message: `must have at most ${MAX_CUSTOM_FIELDS} keys` })
  .openapi({ description: "Up to 50 keys of 1–64 characters; values string, number, boolean or null." });

const siteRef = z.strictObject({ id: uuid, title: z.string().optional() });

/** Fields a client may write on any contact. */
const writable = {
  first_name: text(256, 1),
  last_name: text(256).nullable(),
  email: email.nullable(),
  phone: phone.nullable().openapi({ description: "Alias: `phoneNumber`." }),
  job_title: text(256).nullable().openapi({ description: "Alias: `title`, `jobTitle`." }),
  company: text(256).nullable(),
  location: z
    .union([text(256), siteRef], { error: "must be a string or an object {id, title}" })
    .nullable()
    .openapi({ description: "Free-text location; an object `{id, title?}` sets the site instead (CRM shape)." }),
  site_id: uuid.nullable().openapi({ description: "Aliases: `siteId`, `locationId`." }),
  linkedin_url: httpUrl.nullable(),
  photo_url: httpUrl.nullable(),
  stage,
  notes: text(10_000).nullable(),
  custom_fields: customFields,
  tags: tagList,
};

export const CONTACT_ALIASES = {
  title: "job_title",
  phone_number: "phone",
  location_id: "site_id",
};

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
const READ_ONLY = ["source", "profile_id", "created_at", "updated_at", "saved_at"];

const updateShape = z.strictObject({
  id: uuid.optional().openapi({ description: "Read-only; must equal the path id when sent." }),
  name: text(513, 1).optional().openapi({ description: "Used only when neither first_name nor last_name is sent." }),
  site: z.strictObject({ id: uuid, title: z.string().optional() }).nullable().optional().openapi({
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
    contacts: z.array(z.unknown().openapi({ description: "A ContactCreate body; each is validated on its own." })).min(1).max(100),
  })
  .openapi("ContactBatch");

export type ContactCreateInput = z.output<typeof ContactCreateSchema>;
export type ContactUpdateInput = z.output<typeof ContactPatchSchema>;

export const SiteRefSchema = z.object({ id: z.string(), title: z.string() }).openapi("SiteRef");

export const ContactSchema = z
  .object({
    id: z.string().uuid(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    job_title: z.string().nullable(),
    company: z.string().nullable(),
    location: z.string().nullable(),
    linkedin_url: z.string().nullable(),
    photo_url: z.string().nullable(),
    stage: z.enum(STAGES),
    notes: z.string().nullable(),
    custom_fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    tags: z.array(z.string()),
    site: SiteRefSchema.nullable(),
    source: z.enum(SOURCES),
    profile_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    saved_at: z.string(),
  })
  .openapi("Contact");

export type Contact = z.infer<typeof ContactSchema>;

export const rfc3339 = z
  .string()
  .refine((s) => RFC_3339.test(s) && !Number.isNaN(Date.parse(s)), { message: "must be an RFC 3339 timestamp" })
  .transform((s) => new Date(s).toISOString())
  .openapi({ format: "date-time" });

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export const LIST_ALIASES = { ...paginationAliases, search_text: "q", channel: "source", location_id: "site_id" };

export const ListContactsQuery = listQuery(
  {
    q: text(256, 1).optional().openapi({ description: "Full-text prefix search over name, email, phone, company, job title, notes. Alias: `searchText`." }),
    tags: z
      .string()
      .transform((s, ctx) => {
        const tags = [...new Set(s.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean))];
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

function partial<T extends Record<string, z.ZodType>>(shape: T) {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as {
    [K in keyof T]: z.ZodOptional<T[K]>;
  };
}
