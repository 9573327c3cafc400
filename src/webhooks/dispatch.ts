import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../keys/app-env";
import { flushOutbox } from "./delivery";

/**
 * After a request that may have written outbox events, hands them to the queue — after the
 * answer is sent, so the request never waits on the queue, let alone on a consumer's server.
 * Whatever fails here is picked up by the cron sweep.
 */
export function webhookDispatch(): MiddlewareHandler<AppEnv> {
  return async function webhookDispatch(c, next) {
    await next();
    // Only API writes leave events here; scans (the public pages' only writes) are written, and
    // their events handed on, by the profile's ScanCounter.
    const caller = c.get("caller");
    if (!caller || ["GET", "HEAD", "OPTIONS"].includes(c.req.method) || c.res.status >= 400) return;
    // A workspace without enabled webhooks wrote no events (the outbox insert checks the same).
    if (caller.workspace.enabledWebhooks === 0) return;
    c.executionCtx.waitUntil(
      flushOutbox(c.env, c.var.db).catch((error: unknown) =>
        console.error(JSON.stringify({ level: "error", msg: "outbox flush failed", error: String(error), request_id: c.var.requestId })),
      ),
    );
  };
}
