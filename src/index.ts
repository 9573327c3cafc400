import { createApp } from "./app";
import { createDb } from "./db/client";
import { purgeTombstones } from "./db/contacts";
import { purgeScans } from "./db/scans";
import { purgeIdempotencyKeys } from "./db/idempotency";

export { ScanCounter } from "./durable-objects/scan-counter";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const db = createDb(env.DB);
    ctx.waitUntil(Promise.all([purgeTombstones(db), purgeScans(db), purgeIdempotencyKeys(db)]));
  },
} satisfies ExportedHandler<Env>;
