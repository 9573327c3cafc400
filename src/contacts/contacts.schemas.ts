import { z } from "@hono/zod-openapi";
import { listOf, listQuery, paginationAliases } from "../lib/pagination";
import { requireAny, text, uuid, withAliases } from "../lib/validation";
import { PLANS } from "../workspaces/plans";
import { CONTACT_ALIASES, ContactSchema, customFieldKey, customFieldText, SOURCES, siteRef, stage, WRITABLE } from "./contacts.fields";

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

export const ContactCreateSchema = withAliases(requireAny(createShape, ["first_name", "name", "profile_id"]), CONTACT_ALIASES).openapi(
  "ContactCreate",
);

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

export const ContactPutSchema = withAliases(requireAny(updateShape, ["first_name", "name"]), CONTACT_ALIASES, READ_ONLY).openapi(
  "ContactReplace",
);

export const ContactPatchSchema = withAliases(updateShape, CONTACT_ALIASES, READ_ONLY).openapi("ContactPatch");

export const ContactUpsertSchema = withAliases(
  requireAny(createShape, ["email", "phone"], "or phone is required to match on"),
  CONTACT_ALIASES,
).openapi("ContactUpsert");

export const BatchSchema = z
  .strictObject({
    contacts: z
      .array(z.unknown().openapi({ description: "A ContactCreate body; each is validated on its own." }))
      .min(1)
      .max(100),
  })
  .openapi("ContactBatch", {
    example: {
      contacts: [
        { first_name: "Ada", email: "ada@example.com" },
        { name: "Grace Hopper", phone: "+1 555 0100" },
      ],
    },
  });

export type ContactCreateInput = z.output<typeof ContactCreateSchema>;
export type ContactUpdateInput = z.output<typeof ContactPatchSchema>;

export const rfc3339 = z
  .string()
  .refine((s) => RFC_3339.test(s) && !Number.isNaN(Date.parse(s)), { message: "must be an RFC 3339 timestamp" })
  .transform((s) => new Date(s).toISOString())
  .openapi({ format: "date-time" });

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export const CUSTOM_FIELD_OPERATORS = ["eq", "ne", "gt", "lt", "contains", "exists"] as const;
export type CustomFieldOperator = (typeof CUSTOM_FIELD_OPERATORS)[number];
/** At most this many `custom_fields.*` filters in one list query. */
export const MAX_CUSTOM_FIELD_FILTERS = 10;

/**
 * One `custom_fields.{key}[op]=value` filter. `number` is the value read as a number, where the
 * operator compares numbers (`gt`, `lt`) or the value looks like one (`eq`, `ne` then match a
 * number too).
 */
export type CustomFieldFilter =
  | { key: string; op: "eq" | "ne"; text: string; number: number | null }
  | { key: string; op: "gt" | "lt"; number: number }
  | { key: string; op: "contains"; text: string }
  | { key: string; op: "exists"; exists: boolean };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const asNumber = (s: string) => (NUMBER.test(s) && Number.isFinite(Number(s)) ? Number(s) : null);
/** A parameter's name after `custom_fields.`: the key, and an operator in brackets at its end (`eq` without one). */
const FILTER_NAME = /^(.*)\[([^[\]]*)\]$/s;

/** What is wrong with one filter, or the filter. */
function customFieldFilter(name: string, value: string): CustomFieldFilter | string {
  const [, key = name, op = "eq"] = FILTER_NAME.exec(name) ?? [];
  if (!(CUSTOM_FIELD_OPERATORS as readonly string[]).includes(op))
    return `is not a known operator: use ${CUSTOM_FIELD_OPERATORS.map((o) => `[${o}]`).join(", ")}, or none for eq`;
  const keyProblem = customFieldKey.safeParse(key).error?.issues[0]?.message;
  if (keyProblem) return `key ${keyProblem}`;
  const number = asNumber(value);
  switch (op as CustomFieldOperator) {
    case "exists":
      return value === "true" || value === "false" ? { key, op: "exists", exists: value === "true" } : "must be true or false";
    case "gt":
    case "lt":
      return number === null ? "must be a number" : { key, op: op as "gt" | "lt", number };
    case "contains": {
      const problem = value === "" ? "must not be empty" : customFieldText.safeParse(value).error?.issues[0]?.message;
      return problem ?? { key, op: "contains", text: value };
    }
    default: {
      const problem = customFieldText.safeParse(value).error?.issues[0]?.message;
      return problem ?? { key, op: op as "eq" | "ne", text: value, number };
    }
  }
}

/**
 * The list's `custom_fields.{key}[op]` parameters (gathered by name, see `listQuery`) as filters,
 * ordered by key and operator so that one set of filters is always one statement shape.
 */
const customFieldFilters = z.unknown().transform((input, ctx) => {
  if (typeof input !== "object" || input === null) {
    ctx.addIssue({ code: "custom", message: "takes filters as custom_fields.{key}, custom_fields.{key}[op]" });
    return z.NEVER;
  }
  const entries = Object.entries(input as Record<string, string>);
  if (entries.length > MAX_CUSTOM_FIELD_FILTERS)
    ctx.addIssue({ code: "custom", message: `must have at most ${MAX_CUSTOM_FIELD_FILTERS} filters` });
  const filters: CustomFieldFilter[] = [];
  for (const [name, value] of entries) {
    const filter = customFieldFilter(name, value);
    if (typeof filter === "string") ctx.addIssue({ code: "custom", path: [name], message: filter });
    else filters.push(filter);
  }
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return filters.sort((a, b) => compare(a.key, b.key) || compare(a.op, b.op));
});

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
  { custom_fields: customFieldFilters.optional() },
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

/** At most this many contacts merge into one in one request. */
export const MAX_MERGE = 10;

export const MergeSchema = z
  .strictObject({
    from: z
      .array(uuid)
      .min(1)
      .max(MAX_MERGE)
      .openapi({ description: `The ids of 1 to ${MAX_MERGE} contacts to merge into this one; each is deleted.` }),
  })
  .openapi("ContactMerge");

export const DuplicateGroupSchema = z
  .object({
    reason: z.enum(["name_company"]).openapi({ description: "What the contacts share: the same name and company." }),
    count: z.number().int().openapi({ description: "How many contacts the group has." }),
    contacts: z.array(ContactSchema).openapi({ description: "The group's oldest contacts first, at most 11." }),
  })
  .openapi("DuplicateGroup");

export const DuplicatesQuery = listQuery({});

export const DuplicateGroupListSchema = listOf(DuplicateGroupSchema, "DuplicateGroupList");
