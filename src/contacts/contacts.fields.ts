import { z } from "@hono/zod-openapi";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { anyCasePattern, email, httpUrl, text, uuid } from "../lib/validation";
import { contacts } from "./contacts.table";

/**
 * A contact's fields, declared once. Everything else about a contact's shape is derived from this
 * file: the request schemas and the MCP tools' arguments (`input`), the response schema (`output`),
 * the JSON the database builds for every answer and event (`column` or `sql`), the values a create
 * starts from and a PUT resets to (`default`), the other spellings a request may use (`aliases`,
 * besides camelCase), and which fields a PATCH can set by SQL alone (`plain`: nothing else is
 * derived from them and they name no other row).
 *
 * What a schema cannot say by itself (a transform's input, a description) is given with `.meta()`,
 * which zod's JSON Schema (the MCP tools' arguments and results) and the OpenAPI document both read;
 * `.openapi()` would reach the OpenAPI document only.
 */

export const STAGES = ["Subscriber", "Lead", "Qualified", "Opportunity", "Customer", "Evangelist", "Other"] as const;
export const SOURCES = ["qr_scan", "web", "mcp", "api", "import"] as const;
export const MAX_TAGS = 50;
const MAX_CUSTOM_FIELDS = 50;

export type Stage = (typeof STAGES)[number];
export type Source = (typeof SOURCES)[number];

/** Input is case-insensitive; output always uses the listed spelling. */
export const stage = z
  .preprocess((v) => (typeof v === "string" ? (STAGES.find((s) => s.toLowerCase() === v.toLowerCase()) ?? v) : v), z.enum(STAGES))
  .meta({
    type: "string",
    enum: undefined,
    pattern: anyCasePattern(STAGES),
    description: `One of ${STAGES.map((s) => `\`${s}\``).join(", ")}, in any letter case; answered as listed.`,
  });

const phone = text(256).refine((s) => /\d/.test(s), { message: "must contain digits" });

export const tag = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(text(64, 1));

/** Up to 50 tags, trimmed, lower-cased and de-duplicated in order. */
export const tagList = z
  .array(tag)
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags)])
  .meta({ type: "array", items: { type: "string", minLength: 1, maxLength: 64 }, maxItems: MAX_TAGS });

const MAX_CUSTOM_FIELD_TEXT = 2_048;
const MAX_CUSTOM_FIELDS_BYTES = 16_384;
const customFieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: "must be a string, number, boolean or null" });
export type CustomFields = Record<string, string | number | boolean | null>;

export const customFieldKey = text(64, 1);
export const customFieldText = text(MAX_CUSTOM_FIELD_TEXT, 0, { multiline: true });

/**
 * Up to 50 keys of 1–64 characters; values a string (up to 2,048 characters), a finite number, a
 * boolean or null; 16 KiB in all as JSON. Read into an object without a prototype, so every key the
 * client sent is kept, `__proto__` and `constructor` included.
 */
const customFields = z
  .unknown()
  .transform((input, ctx) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      ctx.addIssue({ code: "custom", message: "must be an object" });
      return z.NEVER;
    }
    const keys = Object.keys(input);
    if (keys.length > MAX_CUSTOM_FIELDS) ctx.addIssue({ code: "custom", message: `must have at most ${MAX_CUSTOM_FIELDS} keys` });
    const fields: CustomFields = Object.create(null);
    for (const key of keys) {
      const value = (input as Record<string, unknown>)[key];
      const keyProblem = customFieldKey.safeParse(key).error?.issues[0]?.message;
      if (keyProblem) ctx.addIssue({ code: "custom", path: [key], message: keyProblem });
      const valueCheck = typeof value === "string" ? customFieldText.safeParse(value) : customFieldValue.safeParse(value);
      if (!valueCheck.success) ctx.addIssue({ code: "custom", path: [key], message: valueCheck.error.issues[0]!.message });
      else Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
    }
    if (new TextEncoder().encode(JSON.stringify(fields)).length > MAX_CUSTOM_FIELDS_BYTES) {
      ctx.addIssue({ code: "custom", message: `must be at most ${MAX_CUSTOM_FIELDS_BYTES / 1024} KiB as JSON` });
    }
    return fields;
  })
  .meta({
    type: "object",
    description: `Up to ${MAX_CUSTOM_FIELDS} keys of 1–64 characters; values a string (up to ${MAX_CUSTOM_FIELD_TEXT} characters), number, boolean or null; ${MAX_CUSTOM_FIELDS_BYTES / 1024} KiB in all.`,
    maxProperties: MAX_CUSTOM_FIELDS,
    additionalProperties: {
      anyOf: [{ type: "string", maxLength: MAX_CUSTOM_FIELD_TEXT }, { type: "number" }, { type: "boolean" }, { type: "null" }],
    },
  });

/** A site as a request may name it: `{id, title?}` (the CRM seed's `location` object, the representation's `site`). */
export const siteRef = z.strictObject({ id: uuid, title: z.string().optional() });

export const SiteRefSchema = z.object({ id: z.string(), title: z.string() }).openapi("SiteRef");

const nullableText = z.string().nullable();

type Field = {
  output: z.ZodType;
  description?: string;
} & (
  | {
      column: SQLiteColumn;
      /** Stored as JSON text (sent as JSON, not as a string). */
      json?: boolean;
      input?: z.ZodType;
      default?: unknown;
      aliases?: readonly string[];
      plain?: boolean;
    }
  | { sql: string }
);

const col = (column: SQLiteColumn) => `"contacts"."${column.name}"`;
const { firstName, lastName, siteId } = contacts;

/** The contact's representation, in the order its keys are sent. */
export const CONTACT_FIELDS = {
  // Any 8-4-4-4-12 hex id, as `uuid` accepts a client-chosen one (z.uuid() wants RFC 9562's version and variant).
  id: { column: contacts.id, output: z.guid() },
  first_name: { column: firstName, output: nullableText, input: text(256, 1), default: null },
  last_name: { column: lastName, output: nullableText, input: text(256).nullable(), default: null },
  name: {
    // The non-empty parts of the name joined by a space; null when there is none.
    sql: `CASE WHEN coalesce(${col(firstName)}, '') = '' THEN nullif(${col(lastName)}, '') WHEN coalesce(${col(lastName)}, '') = '' THEN ${col(firstName)} ELSE ${col(firstName)} || ' ' || ${col(lastName)} END`,
    output: nullableText,
    description: "`first_name` and `last_name` joined.",
  },
  email: { column: contacts.email, output: nullableText, input: email.nullable(), default: null },
  phone: {
    column: contacts.phone,
    output: nullableText,
    input: phone.nullable(),
    default: null,
    aliases: ["phone_number"],
    description: "Alias: `phoneNumber`.",
  },
  job_title: {
    column: contacts.jobTitle,
    output: nullableText,
    input: text(256).nullable(),
    default: null,
    aliases: ["title"],
    plain: true,
    description: "Aliases: `title`, `jobTitle`.",
  },
  company: { column: contacts.company, output: nullableText, input: text(256).nullable(), default: null, plain: true },
  location: {
    column: contacts.location,
    output: nullableText,
    input: z.union([text(256), siteRef], { error: "must be a string or an object {id, title}" }).nullable(),
    default: null,
    plain: true,
    description: "Free-text location; an object `{id, title?}` sets the site instead (CRM shape).",
  },
  linkedin_url: { column: contacts.linkedinUrl, output: nullableText, input: httpUrl.nullable(), default: null, plain: true },
  photo_url: { column: contacts.photoUrl, output: nullableText, input: httpUrl.nullable(), default: null, plain: true },
  stage: { column: contacts.stage, output: z.enum(STAGES), input: stage, default: "Lead", plain: true },
  notes: {
    column: contacts.notes,
    output: nullableText,
    input: text(10_000, 0, { multiline: true }).nullable(),
    default: null,
    plain: true,
  },
  custom_fields: {
    column: contacts.customFields,
    json: true,
    output: z.record(z.string(), customFieldValue),
    input: customFields,
    default: {},
    plain: true,
  },
  tags: { column: contacts.tags, json: true, output: z.array(z.string()), input: tagList, default: [], plain: true },
  site: {
    sql: `CASE WHEN ${col(siteId)} IS NULL THEN NULL ELSE json_object('id', ${col(siteId)}, 'title', coalesce((SELECT title FROM sites WHERE sites.id = ${col(siteId)}), '')) END`,
    output: SiteRefSchema.nullable(),
  },
  source: { column: contacts.source, output: z.enum(SOURCES) },
  profile_id: { column: contacts.profileId, output: nullableText },
  captured_by_profile_id: {
    column: contacts.capturedByProfileId,
    output: nullableText,
    description: "The profile whose public card the person shared their details on; null unless captured there.",
  },
  consent_at: { column: contacts.consentAt, output: nullableText, description: "When the person consented to share their details." },
  created_at: { column: contacts.createdAt, output: z.string() },
  updated_at: { column: contacts.updatedAt, output: z.string() },
  saved_at: { column: contacts.savedAt, output: z.string() },
} satisfies Record<string, Field>;

/** Writable fields that are not part of the representation (it shows the site as `site`). */
export const CONTACT_INPUT_FIELDS = {
  site_id: {
    column: siteId,
    output: nullableText,
    input: uuid.nullable(),
    default: null,
    aliases: ["location_id"],
    description: "Aliases: `siteId`, `locationId`.",
  },
} satisfies Record<string, Field>;

type Fields = typeof CONTACT_FIELDS & typeof CONTACT_INPUT_FIELDS;
type WritableKey = { [K in keyof Fields]: Fields[K] extends { input: z.ZodType } ? K : never }[keyof Fields];

/** A field's schema with its description, for the OpenAPI document and zod's JSON Schema alike. */
const described = (schema: z.ZodType, description: string | undefined) => (description ? schema.meta({ description }) : schema);

const ALL_FIELDS: Record<string, Field> = { ...CONTACT_FIELDS, ...CONTACT_INPUT_FIELDS };
const entries = Object.entries(ALL_FIELDS);

/** Every writable field's validator, by its snake_case name. */
export const WRITABLE = Object.fromEntries(
  entries.flatMap(([key, f]) => ("input" in f && f.input ? [[key, described(f.input, f.description)]] : [])),
) as {
  [K in WritableKey]: Fields[K] extends { input: infer I } ? I : never;
};

/** Spellings a request may use besides snake_case and camelCase, to their field. */
export const CONTACT_ALIASES: Record<string, string> = Object.fromEntries(
  entries.flatMap(([key, f]) => ("aliases" in f && f.aliases ? f.aliases.map((alias) => [alias, key]) : [])),
);

/** A writable field's column, and whether a PATCH can set it by SQL alone. */
export const WRITABLE_COLUMNS = entries.flatMap(([key, f]) =>
  "column" in f && f.input ? [{ key, property: propertyOf(f.column), default: f.default, plain: f.plain === true }] : [],
);

function propertyOf(column: SQLiteColumn): keyof typeof contacts.$inferInsert {
  const found = Object.entries(contacts).find(([, c]) => c === column);
  if (!found) throw new Error(`column ${column.name} is not a contacts column`);
  return found[0] as keyof typeof contacts.$inferInsert;
}

/**
 * The representation as SQLite builds it over a `contacts` row: `json_object(…)` with every key of
 * CONTACT_FIELDS in order. Every answer and every event carries this text, so an ETag is the same
 * whichever request produced the representation.
 */
export const CONTACT_JSON = `json_object(${Object.entries(CONTACT_FIELDS as Record<string, Field>)
  .map(([key, f]) => `'${key}', ${"sql" in f ? f.sql : f.json ? `json(${col(f.column)})` : col(f.column)}`)
  .join(", ")})`;

/** The response schema. */
export const ContactSchema = z
  .object(
    Object.fromEntries(
      Object.entries(CONTACT_FIELDS as Record<string, Field>).map(([key, f]) => [key, described(f.output, f.description)]),
    ) as {
      [K in keyof typeof CONTACT_FIELDS]: (typeof CONTACT_FIELDS)[K]["output"];
    },
  )
  .openapi("Contact");

export type Contact = z.infer<typeof ContactSchema>;

/** The lower-cased email: the duplicate key and the `email=` filter. */
export const emailKey = (email: string | null) => (email === null ? null : email.trim().toLowerCase());

/** Digits only, keeping a leading +, so "+1 (555) 0100" and "+1-555-0100" are the same phone. */
export const phoneKey = (phone: string | null) => {
  if (phone === null) return null;
  const digits = phone.replace(/\D/g, "");
  return digits === "" ? null : (phone.trim().startsWith("+") ? "+" : "") + digits;
};
