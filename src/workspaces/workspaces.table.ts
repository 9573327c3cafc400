import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "../lib/db/columns";

export const workspaces = sqliteTable(
  "workspaces",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    plan: text("plan", { enum: ["free", "pro", "business"] }).notNull(),
    /** Maximum number of contacts; null is unlimited. Written from PLANS whenever `plan` changes. */
    contactLimit: integer("contact_limit"),
    /** Current number of contacts, kept by the contacts triggers. */
    contactCount: integer("contact_count").notNull().default(0),
    /** Enabled webhook endpoints, kept by the webhooks triggers: zero means no outbox work at all. */
    enabledWebhooks: integer("enabled_webhooks").notNull().default(0),
    /**
     * The workspace's number, given by a trigger when it is created: the high 32 bits of the keys
     * of its contacts' rows in the search index (see migration 0013), so its rows there are one range.
     */
    number: integer("number").notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex("workspaces_number").on(t.number)],
);

export type Workspace = typeof workspaces.$inferSelect;
