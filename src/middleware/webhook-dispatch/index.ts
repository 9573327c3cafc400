import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../lib/types";
import { flushOutbox } from "../../queues/webhooks";

/**
 * After a request that may have written outbox events, hands them to the queue — after the
 * answer is sent, so the request never waits on the queue, let alone on a consumer's server.
 * Whatever fails here is picked up by the cron sweep.
 */
export function webhookDispatch(): MiddlewareHandler<AppEnv> {
  return async function webhookDispatch(c, next) {
    await next();
    const mayHaveWritten = !["GET", "HEAD", "OPTIONS"].includes(c.req.method) || c.req.path.startsWith("/q/") || c.req.path.startsWith("/p/");
    if (!mayHaveWritten || c.res.status >= 400) return;
    // An API caller's workspace without enabled webhooks wrote no events (the outbox insert is
    // conditional on the same thing). Public pages have no caller: the card owner may have some.
    const caller = c.get("caller");
    if (caller && caller.workspace.enabledWebhooks === 0) return;
    c.executionCtx.waitUntil(
      flushOutbox(c.env, c.var.db).catch((error: unknown) =>
        console.error(JSON.stringify({ level: "error", msg: "outbox flush failed", error: String(error), request_id: c.var.requestId })),
      ),
    );
  };
}
