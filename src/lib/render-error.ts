import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
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

export function renderError(error: unknown, requestId: string) {
  const apiError = toApiError(error);
  return {
    status: apiError.status as ContentfulStatusCode,
    body: { ...apiError.toBody(), request_id: requestId },
    headers: apiError.options.headers ?? {},
    unexpected: apiError.code === "internal",
  };
}
