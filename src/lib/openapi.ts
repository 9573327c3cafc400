import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { type ErrorCode, STATUS_BY_CODE } from "./errors";
import { RouteNotMatched } from "./routing";
import { toValidationError } from "./validation";

/**
 * A router whose validation failures become the API's errors: an invalid path id is an unknown
 * resource (404, or 405 when the path names another route), anything else `validation_failed`.
 */
export function createRouter<E extends Env>() {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (result.success) return;
      if (result.target === "param") throw new RouteNotMatched(result.error.issues[0]?.message);
      throw toValidationError(result.error);
    },
  });
}

const ERROR_CODES = Object.keys(STATUS_BY_CODE) as [ErrorCode, ...ErrorCode[]];

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ description: "What went wrong, for people.", example: "first_name is required" }),
    code: z.enum(ERROR_CODES).openapi("ErrorCode", { description: "What went wrong, for programs; each code has one status." }),
    details: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "One entry per invalid field (validation_failed only)." }),
    existing_id: z.string().optional().openapi({ description: "The conflicting record (duplicate_contact only)." }),
    request_id: z.string().openapi({ description: "The same as the `x-request-id` header." }),
  })
  .openapi("Error");

const ERROR_MEANINGS = {
  400: "Malformed body, query or URL, or invalid fields",
  401: "Missing, unknown or revoked credentials",
  403: "The key lacks the permission, or the plan's contact limit is reached",
  404: "No such route, or no such resource in the caller's workspace",
  405: "The path names a resource that does not take this method (see `Allow`)",
  409: "A duplicate, a concurrent change, or an `Idempotency-Key` still in flight",
  412: "`If-Match` does not list the current ETag",
  413: "Body over 1 MiB",
  415: "Body is not `application/json`",
  422: "`Idempotency-Key` was used before with a different request",
  429: "Rate limit exceeded (see `Retry-After`)",
  500: "Unexpected server error (reported to us)",
  503: "A dependency is briefly unavailable, or the deployment is misconfigured; retry",
} as const;

export type ErrorStatus = keyof typeof ERROR_MEANINGS;
export const ERROR_STATUSES = Object.keys(ERROR_MEANINGS).map(Number) as ErrorStatus[];

/** An error status's meaning and the codes that come with it. */
export function errorDescription(status: ErrorStatus) {
  const codes = ERROR_CODES.filter((code) => STATUS_BY_CODE[code] === status).map((code) => `\`${code}\``);
  return `${ERROR_MEANINGS[status]} (${codes.join(", ")}).`;
}

/** The first error code of a status: what an example of that answer shows. */
export const exampleCode = (status: ErrorStatus) => ERROR_CODES.find((code) => STATUS_BY_CODE[code] === status)!;

/** The shared error responses, spread into each route's `responses`. */
export function errorResponses(...statuses: ErrorStatus[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: errorDescription(status), content: { "application/json": { schema: ErrorSchema } } }]),
  ) as Record<ErrorStatus, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

/** The answer of every DELETE (and key revocation): `{"success": true, "id": "…"}`. */
export const DeletedSchema = z.object({ success: z.literal(true), id: z.string() }).openapi("Deleted");

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const ETAG = {
  ETag: {
    required: true,
    description: "A strong entity tag of this representation, for `If-Match` and `If-None-Match`.",
    schema: { type: "string" as const },
  },
};

/** A JSON answer that carries the representation's `ETag`. */
export const jsonWithETag = <T extends z.ZodType>(schema: T, description: string) => ({ ...json(schema, description), headers: ETAG });

/** The answer to a GET whose `If-None-Match` lists the current ETag. */
export const NOT_MODIFIED = { description: "Not modified: `If-None-Match` lists the current ETag (no body).", headers: ETAG };

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const SECURITY: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];

/** Marks an operation that honours `Idempotency-Key` (the document builder declares the header and its answers). */
export const IDEMPOTENT = "x-cardbox-idempotent";

/** The query of a route that takes none: any parameter is refused with 400, never ignored. */
export const NO_QUERY = z.strictObject({});

/** Where routes that are not validated by zod (public pages, MCP) put their documentation. */
export type OpenApiRegistry = OpenAPIHono["openAPIRegistry"];
