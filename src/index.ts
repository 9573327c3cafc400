import { createApp } from "./app";
import { purgeTombstones } from "./contacts/contacts-lists.data";
import { purgeIdempotencyKeys } from "./idempotency/idempotency.data";
import { handleImportBatch } from "./imports/import-chunks";
import type { ImportJob } from "./imports/imports.data";
import { dbFor } from "./lib/db/client";
import { purgeScans } from "./scans/scans.data";
import { flushOutbox, handleDeadLetters, handleWebhookBatch, type WebhookJob } from "./webhooks/delivery";
import { forgetExpiredSecrets } from "./webhooks/webhooks.data";

export { ScanCounter } from "./scans/scan-counter";

const app = createApp();
const DEAD_LETTER_QUEUE = "cardbox-webhooks-dlq";
const IMPORT_QUEUE = "cardbox-imports";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    if (batch.queue === IMPORT_QUEUE) await handleImportBatch(batch as MessageBatch<ImportJob>, env);
    else if (batch.queue === DEAD_LETTER_QUEUE) await handleDeadLetters(batch as MessageBatch<WebhookJob>, env);
    else await handleWebhookBatch(batch as MessageBatch<WebhookJob>, env);
  },
  async scheduled(controller, env, ctx) {
    const db = dbFor(env.DB);
    // Every minute: events the queue never took. Once a day: the purges.
    ctx.waitUntil(flushOutbox(env, db));
    if (new Date(controller.scheduledTime).getUTCHours() === 3 && new Date(controller.scheduledTime).getUTCMinutes() === 17) {
      ctx.waitUntil(Promise.all([purgeTombstones(db), purgeScans(db), purgeIdempotencyKeys(db), forgetExpiredSecrets(db)]));
    }
  },
} satisfies ExportedHandler<Env, WebhookJob | ImportJob>;
