import { ApiError } from "./errors";

/**
 * Where public links (QR codes, card and vCard links) point: PUBLIC_BASE_URL. A request's own
 * `Host` is trusted instead only where TRUST_REQUEST_HOST is "true" — local development and the
 * tests, never a deployment: a deploy without PUBLIC_BASE_URL fails loudly (500, logged) rather
 * than print links an attacker chose with a forged `Host`.
 */
export function publicBaseUrl(env: Pick<Env, "PUBLIC_BASE_URL" | "TRUST_REQUEST_HOST">, requestUrl: string): string {
  const configured = env.PUBLIC_BASE_URL?.trim();
  if (configured) return configured.replace(/\/+$/, "");
  if (env.TRUST_REQUEST_HOST === "true") return new URL(requestUrl).origin;
  throw new ApiError("internal", "Server misconfigured: PUBLIC_BASE_URL is not set");
}

/** What a deployment is missing, for /healthz to report (empty when it is configured). */
export function configurationProblems(
  env: Pick<Env, "PUBLIC_BASE_URL" | "TRUST_REQUEST_HOST" | "WEBHOOK_SECRET_KEYS" | "ADMIN_TOKEN">,
): string[] {
  return [
    ...(!env.PUBLIC_BASE_URL?.trim() && env.TRUST_REQUEST_HOST !== "true" ? ["PUBLIC_BASE_URL is not set"] : []),
    ...(!env.WEBHOOK_SECRET_KEYS?.trim() ? ["WEBHOOK_SECRET_KEYS is not set"] : []),
    ...(!env.ADMIN_TOKEN?.trim() ? ["ADMIN_TOKEN is not set"] : []),
  ];
}
