import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { ApiError } from "./errors";
import { toValidationError } from "./validation";

/**
 * The platform's own passing failures, as Cloudflare words them: a D1 or Durable Object call that
 * lost its connection, was reset, overloaded or timed out. A retry may well succeed.
 */
const TRANSIENT =
  /network connection lost|overloaded|exceeded timeout|timed out|D1_RESET_DO|reset because its code was updated|transient issue|internal error in D1|Durable Object is not available/i;

/** Whether `error` (or its cause) is a passing failure of the platform rather than a bug. */
export function isTransient(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const flags = e as { retryable?: boolean; overloaded?: boolean };
    if (flags.retryable === true || flags.overloaded === true || TRANSIENT.test(e.message)) return true;
  }
  return false;
}

/** Seconds a client is asked to wait after a passing failure. */
const RETRY_AFTER_SECONDS = "2";

/**
 * Maps anything thrown to the API's error answer: a passing failure of D1 or a Durable Object is a
 * 503 with Retry-After (the batch it interrupted wrote nothing); anything else unknown a generic 500.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isTransient(error)) {
    return new ApiError("service_unavailable", "The service is briefly unavailable; retry in a moment", {
      headers: { "Retry-After": RETRY_AFTER_SECONDS },
    });
  }
  if (error instanceof ZodError) return toValidationError(error);
  if (error instanceof HTTPException) {
    if (error.status === 400) return new ApiError("bad_request", error.message || "Malformed request");
    if (error.status === 413) return new ApiError("payload_too_large", "Request body must be at most 1 MiB");
    if (error.status === 415) return new ApiError("unsupported_media_type", "Content-Type must be application/json");
  }
  return new ApiError("internal", "Internal server error");
}

/** The error body an item of a batch carries (the same object a single request would answer). */
export function errorBody(error: unknown, requestId: string) {
  const apiError = toApiError(error);
  return { status: apiError.status, body: { ...apiError.toBody(), request_id: requestId } };
}
