import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import { ApiError } from "./errors";
import { toValidationError } from "./validation";

/** Maps anything thrown to the API's error answer; unknown errors become a generic 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
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
