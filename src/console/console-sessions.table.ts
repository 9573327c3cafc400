import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { apiKeys } from "../keys/keys.table";

/**
 * The console's sign-in sessions: an API key exchanged for a cookie. Only the token's SHA-256 is
 * kept (like a key's); a session ends when it sits idle too long, is signed out, or its key is
 * revoked (the lookup joins the live key) or deleted (cascade).
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    /** Sent back by the console in `x-cardbox-csrf` with every write. */
    csrfToken: text("csrf_token").notNull(),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
  },
  (t) => [index("console_sessions_key").on(t.keyId), index("console_sessions_last_seen").on(t.lastSeenAt)],
);

export type ConsoleSession = typeof consoleSessions.$inferSelect;
