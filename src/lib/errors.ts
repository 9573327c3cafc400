import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "contact_limit_reached"
  | "not_found"
  | "method_not_allowed"
  | "duplicate_contact"
  | "conflict"
  | "idempotency_in_flight"
  | "precondition_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "idempotency_mismatch"
  | "rate_limited"
  | "internal"
  | "service_unavailable";

export const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  contact_limit_reached: 403,
  not_found: 404,
  method_not_allowed: 405,
  duplicate_contact: 409,
  conflict: 409,
  idempotency_in_flight: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
};

export interface FieldError {
  field: string;
  message: string;
}

/** The one error type handlers throw; `onError` renders it as the API's JSON error body. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: {
      details?: FieldError[];
      /** Extra top-level body fields, e.g. `existing_id` on a duplicate. */
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = STATUS_BY_CODE[code];
  }

  /** The JSON body, without `request_id` (added when rendered). */
  toBody(): Record<string, unknown> {
    return {
      error: this.message,
      code: this.code,
      ...(this.options.details ? { details: this.options.details } : {}),
      ...this.options.extra,
    };
  }
}

export const validationError = (details: FieldError[]) =>
  new ApiError("validation_failed", details.map((d) => `${d.field} ${d.message}`).join("; "), {
    details,
  });

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);
