import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { idempotency } from "../idempotency/idempotency.middleware";
import { requirePermission } from "../keys/auth";
import type { Permission } from "../keys/caller";
import { IDEMPOTENT, NO_QUERY, SECURITY } from "../lib/openapi";
import { noBody } from "../middleware/json-body";

/** Who may call a route: the permission its key needs (none: any key), and the fields of its answer that carry a secret. */
export interface Access {
  permission: Permission | null;
  /** Fields of a success answer shown once (a key, a signing secret): never kept for an idempotent replay. */
  withhold?: readonly string[];
}

/**
 * An API route (below `/v1`): its definition plus what every such route gets, in one place — the
 * API-key security scheme, the permission check, `Idempotency-Key` on a POST (after the permission
 * check, so a replay never reaches a key that could not have made the request), a strict query
 * (a route without query parameters refuses any) and, for a write without a body, no body.
 */
export function apiRoute<const R extends Omit<RouteConfig, "middleware" | "security">>(access: Access, config: R) {
  const middleware = [
    ...(access.permission ? [requirePermission(access.permission)] : []),
    ...(config.method === "post" ? [idempotency({ withhold: access.withhold })] : []),
    ...(config.method !== "get" && !config.request?.body ? [noBody()] : []),
  ];
  const idempotent = config.method === "post" ? { [IDEMPOTENT]: true } : {};
  const route = { ...config, ...idempotent, security: SECURITY, middleware, request: { query: NO_QUERY, ...config.request } };
  return createRoute(route as WithStrictQuery<R> & Pick<typeof route, "security" | "middleware">);
}

/** `R` with the empty strict query when it declares no query of its own. */
type WithStrictQuery<R> = R extends { request: infer Q }
  ? Omit<R, "request"> & { request: Q extends { query: unknown } ? Q : Q & { query: typeof NO_QUERY } }
  : R & { request: { query: typeof NO_QUERY } };
