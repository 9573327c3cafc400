import { createApp } from "./app";
import { purgeEndedSessions } from "./console/console-sessions.data";
import { releaseHeldLeads } from "./contacts/contacts-leads.data";
import { purgeTombstones } from "./contacts/contacts-lists.data";
import { purgeIdempotencyKeys } from "./idempotency/idempotency.data";
import { handleImportBatch } from "./imports/import-chunks";
import type { ImportJob } from "./imports/imports.data";
import { dbFor } from "./lib/db/client";
import { qrLane } from "./public/qr-lane";
import { purgeScans } from "./scans/scans.data";
import { flushOutbox, handleDeadLetters, handleWebhookBatch, type WebhookJob } from "./webhooks/delivery";
import { forgetExpiredSecrets } from "./webhooks/webhooks.data";

export { ScanCounter } from "./scans/scan-counter";

const app = createApp();
const DEAD_LETTER_QUEUE = "cardbox-webhooks-dlq";
const IMPORT_QUEUE = "cardbox-imports";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    return (await qrLane(request, env, ctx)) ?? app.fetch(request, env, ctx);
  },
  async queue(batch, env) {
    if (batch.queue === IMPORT_QUEUE) await handleImportBatch(batch as MessageBatch<ImportJob>, env);
    else if (batch.queue === DEAD_LETTER_QUEUE) await handleDeadLetters(batch as MessageBatch<WebhookJob>, env);
    else await handleWebhookBatch(batch as MessageBatch<WebhookJob>, env);
  },
  async scheduled(controller, env, ctx) {
    const db = dbFor(env.DB);
    // Every minute: events the queue never took, held leads where there is room. Once a day: the purges.
    const released = releaseHeldLeads(db).catch((error: unknown) =>
      console.error(JSON.stringify({ level: "error", msg: "releasing held leads failed", error: String(error) })),
    );
    // Released leads' events go out with the rest.
    ctx.waitUntil(released.then(() => flushOutbox(env, db)));
    if (new Date(controller.scheduledTime).getUTCHours() === 3 && new Date(controller.scheduledTime).getUTCMinutes() === 17) {
      ctx.waitUntil(
        Promise.all([purgeTombstones(db), purgeScans(db), purgeIdempotencyKeys(db), forgetExpiredSecrets(db), purgeEndedSessions(db)]),
      );
    }
  },
} satisfies ExportedHandler<Env, WebhookJob | ImportJob>;
