import { exampleCode } from "../lib/openapi";
import { REQUIRE_ANY } from "../lib/validation";
import type { Document, MediaType, Schema } from "./document.types";
import { operationsOf } from "./document.types";

/** Values by property name, then by format; each is checked against the schema before use. */
const BY_NAME: Record<string, string> = {
  id: "0192f7a8-6c1e-7d3a-9b2f-4e5d6c7b8a90",
  name: "Ada Lovelace",
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  phone: "+44 20 7946 0958",
  company: "Analytical Engines Ltd",
  job_title: "Mathematician",
  title: "Mathematician",
  location: "London, UK",
  handle: "ada-lovelace",
  notes: "Met at the booth; wants a demo.",
  bio: "I write programs for engines that do not exist yet.",
  description: "CRM sync",
  referrer: "example.org",
  error: "first_name is required",
  key: "cbx_live_3f9a2c7d5e8b1a4c6d0e2f4a8b6c1d3e",
  prefix: "cbx_live_3f9a",
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  url: "https://crm.example.com/hooks/cardbox",
  linkedin_url: "https://www.linkedin.com/in/ada-lovelace",
  photo_url: "https://cdn.example.com/ada.jpg",
  website: "https://example.com/ada",
  event: "contact.created",
  event_type: "contact.created",
  disabled_reason: "The endpoint answered 410 Gone",
  tag: "vip",
  next_cursor: "eyJrIjpbIjIwMjYtMTEtMjNUMTA6MDA6MDAuMDAwWiJdfQ",
  request_id: "0192f7a8-6c1e-7d3a-9b2f-4e5d6c7b8a91",
};

const BY_FORMAT: Record<string, string> = {
  "date-time": "2026-11-23T10:00:00.000Z",
  date: "2026-11-23",
  uuid: BY_NAME.id!,
  uri: "https://example.com/ada",
  email: BY_NAME.email!,
};

type Mode = "request" | "response";

/** A value that satisfies `schema`, built from its own examples, enums and bounds, and the names above. */
export function exampleOf(schema: Schema, doc: Document, mode: Mode, name = "", depth = 0): unknown {
  if (depth > 12) throw new Error(`No example: ${name} nests too deeply`);
  if (schema.$ref) return exampleOf(resolve(schema.$ref, doc), doc, mode, name, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => exampleOf(part, doc, mode, name, depth + 1)));
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices && !schema.type) {
    const choice = choices.find((c) => c.type !== "null") ?? choices[0]!;
    return exampleOf(choice, doc, mode, name, depth + 1);
  }
  switch (typeOf(schema)) {
    case "object":
      return objectExample(schema, doc, mode, depth);
    case "array": {
      const item = exampleOf(schema.items ?? {}, doc, mode, name.replace(/s$/, ""), depth + 1);
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => item);
    }
    case "string":
      return stringExample(schema, name);
    case "integer":
    case "number":
      return numberExample(schema, name);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return "any value";
  }
}

const NUMBERS_BY_NAME: Record<string, number> = { status: 200, duration_ms: 142, attempt: 1, count: 12, total: 12 };

function numberExample(schema: Schema, name: string) {
  const fallback = Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
  const named = NUMBERS_BY_NAME[name];
  const fits =
    named !== undefined && named >= (schema.minimum ?? Number.NEGATIVE_INFINITY) && named <= (schema.maximum ?? Number.POSITIVE_INFINITY);
  return fits ? named : fallback;
}

const typeOf = (schema: Schema) => {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return types.find((t) => t !== "null") ?? types[0] ?? (schema.properties ? "object" : undefined);
};

function resolve(reference: string, doc: Document): Schema {
  const name = reference.replace("#/components/schemas/", "");
  const schema = doc.components.schemas[name];
  if (!schema) throw new Error(`No example: ${reference} is not a schema of the document`);
  return schema;
}

/** A request shows what it must send and what its schema gives examples of; a response shows everything. */
function objectExample(schema: Schema, doc: Document, mode: Mode, depth: number) {
  const out: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const wanted =
      mode === "response" ||
      schema.required?.includes(key) ||
      (schema[REQUIRE_ANY] as string[] | undefined)?.[0] === key ||
      property.example !== undefined;
    if (wanted) out[key] = exampleOf(property, doc, mode, key, depth + 1);
  }
  if (!schema.properties && typeof schema.additionalProperties === "object") {
    out.tier = exampleOf(schema.additionalProperties, doc, mode, "tier", depth + 1);
  }
  return out;
}

function stringExample(schema: Schema, name: string): string {
  const candidates = [
    BY_NAME[name],
    schema.format ? BY_FORMAT[schema.format] : undefined,
    name.endsWith("_at") ? BY_FORMAT["date-time"] : undefined,
  ];
  candidates.push(name.endsWith("_id") ? BY_NAME.id : undefined, "example", "a".repeat(Math.max(1, schema.minLength ?? 1)));
  const fits = (value: string) =>
    [...value].length >= (schema.minLength ?? 0) &&
    [...value].length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
    (!schema.pattern || new RegExp(schema.pattern, "u").test(value));
  const value = candidates.find((c): c is string => c !== undefined && fits(c));
  if (value === undefined) throw new Error(`No example fits ${name}: ${JSON.stringify(schema)}`);
  return value;
}

/** An error answer's example: its status's first code, with a message to match. */
function errorExample(status: number) {
  const code = exampleCode(status as Parameters<typeof exampleCode>[0]);
  return { error: ERROR_MESSAGES[code] ?? code.replace(/_/g, " "), code, request_id: BY_NAME.request_id };
}

const ERROR_MESSAGES: Record<string, string> = {
  bad_request: "Request body is not valid JSON",
  unauthorized: "Missing API key",
  forbidden: "This key lacks the contacts:write permission",
  not_found: "Contact not found",
  method_not_allowed: "DELETE is not allowed here; use GET",
  duplicate_contact: "A contact with this email already exists",
  precondition_failed: "If-Match does not match the current ETag; fetch the resource again",
  payload_too_large: "Request body must be at most 1 MiB",
  unsupported_media_type: "Content-Type must be application/json",
  idempotency_mismatch: "Idempotency-Key was already used with a different request",
  rate_limited: "Rate limit of 600 requests per 60 s exceeded; retry after 12 s",
  internal: "Internal error",
  service_unavailable: "The database is briefly unavailable; retry",
};

/** Puts an example on every request body and answer (and webhook payload) that has none. */
export function exemplify(doc: Document) {
  for (const { operation } of operationsOf(doc, { webhooks: true })) {
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) withExample(type, media, doc, "request");
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [type, media] of Object.entries(response.content ?? {})) {
        if (Number(status) >= 400 && type === "application/json" && media.schema?.$ref === "#/components/schemas/Error") {
          media.example ??= errorExample(Number(status));
        } else withExample(type, media, doc, "response");
      }
    }
    for (const parameter of operation.parameters ?? []) {
      if (parameter.in === "path" && parameter.schema && parameter.example === undefined) {
        parameter.example = exampleOf(parameter.schema, doc, "request", parameter.name);
      }
    }
  }
}

/** JSON only: an example built from a schema of `string` would misrepresent an HTML page, an SVG or a vCard. */
function withExample(type: string, media: MediaType, doc: Document, mode: Mode) {
  if (media.example === undefined && media.schema && /[/+]json$/.test(type)) media.example = exampleOf(media.schema, doc, mode);
}
