import { eq } from "drizzle-orm";
import { findFirst } from "../lib/db/pages";
import type { Db } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import { CONTACT_LIMITS, type Plan } from "./plans";
import { type Workspace, workspaces } from "./workspaces.table";

/** A new workspace's row; its `number` is given by the insert trigger (nothing in the Worker reads it). */
export function newWorkspaceRow(input: { name: string; plan: Plan }, now = nowIso()): Omit<Workspace, "number"> {
  return {
    id: uuidv7(),
    name: input.name,
    plan: input.plan,
    contactLimit: CONTACT_LIMITS[input.plan],
    contactCount: 0,
    enabledWebhooks: 0,
    createdAt: now,
    updatedAt: now,
  };
}

export const findWorkspace = (db: Db, id: string) => findFirst(db, workspaces, eq(workspaces.id, id));

export async function updateWorkspace(db: Db, id: string, input: { name?: string; plan?: Plan }) {
  return db.first(
    db.orm
      .update(workspaces)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.plan !== undefined ? { plan: input.plan, contactLimit: CONTACT_LIMITS[input.plan] } : {}),
        updatedAt: nowIso(),
      })
      .where(eq(workspaces.id, id))
      .returning(),
  );
}

export async function deleteWorkspace(db: Db, id: string): Promise<boolean> {
  const rows = await db.all(db.orm.delete(workspaces).where(eq(workspaces.id, id)).returning({ id: workspaces.id }));
  return rows.length > 0;
}
