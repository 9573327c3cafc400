import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../../lib/errors";

/** A rate limiter's answer for one request: whether it may go on, and the headers that say so. */
export interface RateVerdict {
  ok: boolean;
  headers: Record<string, string>;
  /** Set when refused: the error the request is answered with. */
  error?: ApiError;
}

/**
 * Throttles with a Workers rate-limiting binding; with no binding (local development, the
 * benchmark) nothing is throttled. The binding only says yes or no, so `RateLimit-Remaining` is
 * this Worker instance's own count of the current window: a hint, never more generous than the limit.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    private readonly options: {
      binding: (env: Env) => RateLimit | undefined;
      limit: (env: Env) => number;
    },
  ) {}

  /** Counts a request under `key`; undefined when there is no binding to count with. */
  async check(env: Env, key: string): Promise<RateVerdict | undefined> {
    const binding = this.options.binding(env);
    if (!binding) return undefined;
    const limit = this.options.limit(env);
    // The binding's window (its `period`), 60 s unless configured otherwise.
    const PERIOD_SECONDS = Number(env.RATE_LIMIT_PERIOD_SECONDS) || 60;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= PERIOD_SECONDS * 1000) {
      window = { start: now, used: 0 };
      this.windows.set(key, window);
      if (this.windows.size > 10_000) this.windows.clear();
    }
    window.used++;
    const { success } = await binding.limit({ key });
    const retryAfter = Math.max(1, Math.ceil((window.start + PERIOD_SECONDS * 1000 - now) / 1000));
    const headers = {
      "RateLimit-Limit": String(limit),
      "RateLimit-Remaining": String(success ? Math.max(0, limit - window.used) : 0),
      "RateLimit-Reset": String(retryAfter),
    };
    if (success) return { ok: true, headers };
    const message = `Rate limit of ${limit} requests per ${PERIOD_SECONDS} s exceeded; retry after ${retryAfter} s`;
    return {
      ok: false,
      headers,
      error: new ApiError("rate_limited", message, { headers: { ...headers, "Retry-After": String(retryAfter) } }),
    };
  }
}

/** The key a client is throttled by where there is no API key (the public pages, /admin): its IP. */
export const clientIp = (request: Request) => `ip:${request.headers.get("cf-connecting-ip") ?? "unknown"}`;

/**
 * Verdicts already given for a request before the app saw it (the QR redirect's lane counts its
 * requests itself): the middleware uses them instead of counting the request twice.
 */
const given = new WeakMap<Request, RateVerdict>();

/** Hands the app a verdict given for `request` outside it. */
export const giveVerdict = (request: Request, verdict: RateVerdict) => given.set(request, verdict);

/** The middleware: a refused request is answered 429 with `Retry-After`; an allowed one carries the RateLimit headers. */
export function rateLimit<E extends { Bindings: Env }>(limiter: RateLimiter, key: (c: Context<E>) => string): MiddlewareHandler<E> {
  return async function rateLimit(c, next) {
    const verdict = given.get(c.req.raw) ?? (await limiter.check(c.env, key(c)));
    if (!verdict) return next();
    if (verdict.error) throw verdict.error;
    for (const [name, value] of Object.entries(verdict.headers)) c.header(name, value);
    await next();
  };
}
