import { text } from "drizzle-orm/sqlite-core";

/** `created_at` and `updated_at`, ISO 8601 UTC text with milliseconds, as every table keeps them. */
export const timestamps = {
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
};
