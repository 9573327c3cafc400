import { createApp } from "./app";
import { createDb } from "./db/client";
import { purgeTombstones } from "./db/contacts";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(purgeTombstones(createDb(env.DB)));
  },
} satisfies ExportedHandler<Env>;
