import { z } from "@hono/zod-openapi";
import type { $ZodIssue } from "zod/v4/core";
import { type FieldError, validationError } from "./errors";

/** Code points, not UTF-16 units: the API's lengths count characters as people see them. */
export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** C0 and C1 control characters: never in a one-line value (they would break a header, a vCard line or a page). */
const CONTROL = /\p{Cc}/u;
/** The same, but for tab, line feed and carriage return, which multi-line text keeps (and every writer escapes). */
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;

/**
 * The same rules as JSON Schema patterns for the OpenAPI document, written with `\u` ranges that
 * every regex dialect reads (ECMA-262, Python, Go), so a schema-driven client sees what we refuse.
 */
const NOT_CONTROL = "\\u0000-\\u001F\\u007F-\\u009F";
const NOT_CONTROL_BUT_LINES = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F";

/** A pattern that matches `values` in any letter case (`Lead`, `lead`, `LEAD`). */
export const anyCasePattern = (values: readonly string[]) =>
  `^(?:${values.map((v) => [...v].map((ch) => (ch.toLowerCase() === ch.toUpperCase() ? ch : `[${ch.toUpperCase()}${ch.toLowerCase()}]`)).join("")).join("|")})$`;

/**
 * A one-line string of at most `max` code points (`min` likewise), without control characters.
 * `multiline` allows line breaks and tabs (notes, a bio).
 */
export const text = (max: number, min = 0, { multiline = false } = {}) =>
  z
    .string()
    .refine((s) => !(multiline ? CONTROL_BUT_LINES : CONTROL).test(s), { message: "must not contain control characters" })
    .refine((s) => codePointLength(s) <= max, { message: `must be at most ${max} characters` })
    .refine((s) => codePointLength(s) >= min, {
      message: min === 1 ? "must not be empty" : `must be at least ${min} characters`,
    })
    .openapi({
      maxLength: max,
      ...(min > 0 ? { minLength: min } : {}),
      pattern: `^[^${multiline ? NOT_CONTROL_BUT_LINES : NOT_CONTROL}]*$`,
    });

const EMAIL_PART = `[^\\s@${NOT_CONTROL}]+`;

export const email = text(256)
  .refine((s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s), { message: "must be a valid email" })
  .openapi({ pattern: `^${EMAIL_PART}@${EMAIL_PART}\\.${EMAIL_PART}$`, description: "An email address: `name@domain.tld`." });

/** Spaces and control characters: `new URL()` would drop tabs and line breaks silently, so they are refused first. */
export const URL_UNSAFE = /[\p{Cc} ]/u;

/** What is wrong with an http(s) URL, if anything (the first problem only). */
function httpUrlProblem(s: string): string | null {
  if (codePointLength(s) > 2048) return "must be at most 2048 characters";
  try {
    const url = new URL(s);
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") return "must be an http(s) URL";
  } catch {
    return "must be an http(s) URL";
  }
  return URL_UNSAFE.test(s) ? "must not contain spaces or control characters" : null;
}

export const httpUrl = z
  .string()
  .superRefine((s, ctx) => {
    const problem = httpUrlProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    format: "uri",
    maxLength: 2048,
    pattern: `^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#${NOT_CONTROL}]+(?:[/?#][^\\s${NOT_CONTROL}]*)?$`,
  });

export const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID")
  .transform((s) => s.toLowerCase())
  .openapi({ format: "uuid", type: "string", pattern: "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$" });

const camelToSnake = (key: string) => key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

const snakeToCamel = (key: string) => key.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/**
 * Every other spelling `canonicalize` reads as one of `keys` (camelCase, the listed aliases and
 * their camelCase), mapped to the key it stands for.
 */
export function spellingsOf(keys: readonly string[], aliases: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, canonical: string) => {
    if (name !== canonical && !keys.includes(name)) out[name] = canonical;
  };
  for (const key of keys) add(snakeToCamel(key), key);
  for (const [alias, key] of Object.entries(aliases)) {
    if (!keys.includes(key)) continue;
    add(alias, key);
    add(snakeToCamel(alias), key);
  }
  return out;
}

/** A name's canonical spelling: only the part before the first dot is renamed (`customFields.Tier` → `custom_fields.Tier`). */
function canonicalName(key: string, aliases: Record<string, string>) {
  const dot = key.indexOf(".");
  const head = dot < 0 ? key : key.slice(0, dot);
  const snake = camelToSnake(head);
  const canonical = Object.hasOwn(aliases, head) ? aliases[head]! : Object.hasOwn(aliases, snake) ? aliases[snake]! : snake;
  return dot < 0 ? canonical : canonical + key.slice(dot);
}

/**
 * Renames every key to its canonical snake_case spelling (camelCase and listed aliases); of a
 * dotted name (a query's `custom_fields.{key}`), only the part before the first dot.
 * Returns the renamed object and, for keys sent under two spellings, both spellings.
 */
export function canonicalize(input: Record<string, unknown>, aliases: Record<string, string>, ignored: readonly string[] = []) {
  // Without a prototype, so a key such as `__proto__` or `constructor` is a key like any other.
  const out: Record<string, unknown> = Object.create(null);
  const spelledAs: Record<string, string> = Object.create(null);
  const twice: { field: string; message: string }[] = [];
  for (const [key, value] of Object.entries(input)) {
    const canonical = canonicalName(key, aliases);
    if (ignored.includes(canonical)) continue;
    if (canonical in out) {
      twice.push({ field: canonical, message: `was sent twice (as ${spelledAs[canonical]} and ${key})` });
      continue;
    }
    out[canonical] = value;
    spelledAs[canonical] = key;
  }
  return { out, twice };
}

/**
 * Wraps an object schema so that it accepts the camelCase spelling of every field plus the
 * listed aliases, and rejects a field sent under two spellings. `ignored` fields are dropped
 * (read-only fields in PUT/PATCH bodies).
 */
export function withAliases<T extends z.ZodType>(schema: T, aliases: Record<string, string> = {}, ignored: readonly string[] = []) {
  return z
    .preprocess((input, ctx) => {
      if (input === null || typeof input !== "object" || Array.isArray(input)) return input;
      const { out, twice } = canonicalize(input as Record<string, unknown>, aliases, ignored);
      for (const t of twice) ctx.issues.push({ code: "custom", input, path: [t.field], message: t.message });
      return out;
    }, schema)
    .openapi({ [SPELLINGS]: { aliases, ignored } });
}

/**
 * OpenAPI extensions the document builder (src/docs) turns into schema: the other spellings a
 * body accepts (`withAliases`), and the fields of which one must be present (`requireAny`).
 */
export const SPELLINGS = "x-cardbox-spellings";
export const REQUIRE_ANY = "x-cardbox-require-any";
/** On a query parameter's schema: the parameter this one is another spelling of. */
export const SAME_AS = "x-cardbox-same-as";

/**
 * At least one of `fields` must be present and not null, else `message` on the first of them.
 * The document states the same rule (an `anyOf` of `required`).
 */
export function requireAny<T extends z.ZodType<Record<string, unknown>>>(schema: T, fields: readonly string[], message = "is required") {
  return schema
    .superRefine((body, ctx) => {
      if (fields.every((field) => body[field] == null)) ctx.addIssue({ code: "custom", path: [fields[0]!], message });
    })
    .openapi({ [REQUIRE_ANY]: fields });
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
};

function describe(issue: $ZodIssue): FieldError[] {
  const field = issue.path.length ? issue.path.join(".") : "body";
  switch (issue.code) {
    case "invalid_type":
      // zod leaves `input` out of issues unless asked; its message names what was received.
      if (issue.message.endsWith("received undefined")) return [{ field, message: "is required" }];
      return [{ field, message: `must be ${Object.hasOwn(TYPE_NAMES, issue.expected) ? TYPE_NAMES[issue.expected] : issue.expected}` }];
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        field: issue.path.length ? `${field}.${key}` : key,
        message: "is not a known field",
      }));
    case "invalid_value":
      return [{ field, message: `must be one of ${issue.values.map(String).join(", ")}` }];
    case "invalid_format":
      return [{ field, message: issue.format === "email" ? "must be a valid email" : issue.message }];
    case "too_big":
      return [
        {
          field,
          message:
            issue.origin === "array" || issue.origin === "set"
              ? `must have at most ${issue.maximum} items`
              : `must be at most ${issue.maximum}`,
        },
      ];
    case "too_small":
      return [
        {
          field,
          message:
            issue.origin === "array"
              ? `must have at least ${issue.minimum} items`
              : issue.origin === "string"
                ? "must not be empty"
                : `must be at least ${issue.minimum}`,
        },
      ];
    case "invalid_key":
      return issue.issues.flatMap((inner) => describe({ ...inner, path: [...issue.path, ...inner.path] } as $ZodIssue));
    case "invalid_union":
      return [{ field, message: issue.message === "Invalid input" ? "has an invalid value" : issue.message }];
    default:
      return [{ field, message: issue.message }];
  }
}

/** Turns zod issues into the API's `validation_failed` error. */
export function toValidationError(error: z.ZodError) {
  const details = error.issues.flatMap(describe);
  return validationError(details);
}
