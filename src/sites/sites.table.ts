import { index, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { timestamps } from "../lib/db/columns";
import { workspaces } from "../workspaces/workspaces.table";

export const sites = sqliteTable(
  "sites",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    ...timestamps,
  },
  (t) => [index("sites_workspace").on(t.workspaceId, t.createdAt, t.id)],
);

export type Site = typeof sites.$inferSelect;
