import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { apiKeys } from "../keys/keys.table";
import { workspaces } from "../workspaces/workspaces.table";

/** Idempotency-Key records: the first completed answer to a POST, per API key, replayed for 24 hours. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    /** The key that sent the request: only it may replay the answer. */
    apiKeyId: text("api_key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    /** SHA-256 of method, path and raw body: a reuse with anything else is refused. */
    requestHash: text("request_hash").notNull(),
    /** Null while the first request is still being processed. */
    status: integer("status"),
    /** The answer's body, any secret in it replaced by null (a secret is shown once). */
    responseBody: text("response_body"),
    responseHeaders: text("response_headers", { mode: "json" }).$type<Record<string, string>>(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.apiKeyId, t.key] }), index("idempotency_keys_expiry").on(t.expiresAt)],
);
