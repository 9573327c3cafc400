import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../../lib/errors";

interface Options<E extends { Bindings: Env }> {
  binding: (env: Env) => RateLimit | undefined;
  limit: (env: Env) => number;
  key: (c: Context<E>) => string;
}

/**
 * Throttles with a Workers rate-limiting binding; with no binding (local development, the
 * benchmark) nothing is throttled. The binding only says yes or no, so `RateLimit-Remaining` is
 * this Worker instance's own count of the current window: a hint, never more generous than the limit.
 */
export function rateLimit<E extends { Bindings: Env }>(options: Options<E>): MiddlewareHandler<E> {
  const windows = new Map<string, { start: number; used: number }>();
  return async function rateLimit(c, next) {
    const binding = options.binding(c.env);
    if (!binding) return next();
    const limit = options.limit(c.env);
    // The binding's window (its `period`), 60 s unless configured otherwise.
    const PERIOD_SECONDS = Number(c.env.RATE_LIMIT_PERIOD_SECONDS) || 60;
    const key = options.key(c);
    const now = Date.now();
    let window = windows.get(key);
    if (!window || now - window.start >= PERIOD_SECONDS * 1000) {
      window = { start: now, used: 0 };
      windows.set(key, window);
      if (windows.size > 10_000) windows.clear();
    }
    window.used++;
    const { success } = await binding.limit({ key });
    const retryAfter = Math.max(1, Math.ceil((window.start + PERIOD_SECONDS * 1000 - now) / 1000));
    const headers = {
      "RateLimit-Limit": String(limit),
      "RateLimit-Remaining": String(success ? Math.max(0, limit - window.used) : 0),
      "RateLimit-Reset": String(retryAfter),
    };
    if (!success) {
      throw new ApiError("rate_limited", `Rate limit of ${limit} requests per ${PERIOD_SECONDS} s exceeded; retry after ${retryAfter} s`, {
        headers: { ...headers, "Retry-After": String(retryAfter) },
      });
    }
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
  };
}
