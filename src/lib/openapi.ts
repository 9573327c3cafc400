import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
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

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: "first_name is required" }),
    code: z.string().openapi({ example: "validation_failed" }),
    details: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: "One entry per invalid field (validation_failed only)." }),
    existing_id: z.string().optional().openapi({ description: "The conflicting record (duplicate_contact only)." }),
    request_id: z.string(),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS = {
  400: "Malformed body or query, or invalid fields (`bad_request`, `validation_failed`)",
  401: "Missing, unknown or revoked API key (`unauthorized`)",
  403: "The key lacks the permission, or the plan limit is reached (`forbidden`, `contact_limit_reached`)",
  404: "Unknown route, or no such resource in the caller's workspace (`not_found`)",
  409: "Duplicate (`duplicate_contact`, with `existing_id`)",
  412: "`If-Match` does not match the current ETag (`precondition_failed`)",
  413: "Body over 1 MiB (`payload_too_large`)",
  415: "Body is not `application/json` (`unsupported_media_type`)",
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The shared error responses, spread into each route's `responses`. */
export function errorResponses(...statuses: ErrorStatus[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  ) as Record<ErrorStatus, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

/** The answer of every DELETE (and key revocation): `{"success": true, "id": "…"}`. */
export const DeletedSchema = z.object({ success: z.literal(true), id: z.string() }).openapi("Deleted");

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

export const SECURITY: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];

/** The query of a route that takes none: any parameter is refused with 400, never ignored. */
export const NO_QUERY = z.strictObject({});
