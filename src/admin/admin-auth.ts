import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import type { AppEnv } from "../keys/app-env";
import { ApiError } from "../lib/errors";

const CHALLENGE = 'Bearer realm="cardbox-admin"';

/** Admin routes take `Authorization: Bearer <ADMIN_TOKEN>`; no token configured means no admin access. */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuth(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!match) throw new ApiError("unauthorized", "Missing admin token", { headers: { "WWW-Authenticate": CHALLENGE } });
    if (!expected || !(await timingSafeEqual(match[1]!, expected))) {
      throw new ApiError("unauthorized", "Invalid admin token", { headers: { "WWW-Authenticate": `${CHALLENGE}, error="invalid_token"` } });
    }
    await next();
  };
}
