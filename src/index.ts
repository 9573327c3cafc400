import { createApp } from "./app";
import { createDb } from "./db/client";
import { purgeTombstones } from "./db/contacts";
import { purgeIdempotencyKeys } from "./db/idempotency";
import { purgeScans } from "./db/scans";
import { flushOutbox, handleDeadLetters, handleWebhookBatch, type WebhookJob } from "./queues/webhooks";

export { ScanCounter } from "./durable-objects/scan-counter";

const app = createApp();
const DEAD_LETTER_QUEUE = "cardbox-webhooks-dlq";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === DEAD_LETTER_QUEUE) await handleDeadLetters(batch, env);
    else await handleWebhookBatch(batch, env);
  },
  async scheduled(controller, env, ctx) {
    const db = createDb(env.DB);
    // Every minute: events the queue never took. Once a day: the purges.
    ctx.waitUntil(flushOutbox(env, db));
    if (new Date(controller.scheduledTime).getUTCHours() === 3 && new Date(controller.scheduledTime).getUTCMinutes() === 17) {
      ctx.waitUntil(Promise.all([purgeTombstones(db), purgeScans(db), purgeIdempotencyKeys(db)]));
    }
  },
} satisfies ExportedHandler<Env, WebhookJob>;
