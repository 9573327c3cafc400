import { eq } from "drizzle-orm";
import { findFirst, type Database } from "../lib/db/client";
import { apiKeys } from "../keys/keys.table";
import { workspaces, type Workspace } from "./workspaces.table";
import { CONTACT_LIMITS, type Plan } from "./plans";
import { nowIso, uuidv7 } from "../lib/ids";
import { newApiKeyRow, type NewApiKey } from "../keys/keys.data";
import { PERMISSIONS } from "../keys/caller";

export async function createWorkspace(db: Database, input: { name: string; plan: Plan }) {
  const now = nowIso();
  // Its `number` is given by the insert trigger; nothing in the Worker reads it.
  const workspace: Omit<Workspace, "number"> = {
    id: uuidv7(),
    name: input.name,
    plan: input.plan,
    contactLimit: CONTACT_LIMITS[input.plan],
    contactCount: 0,
    enabledWebhooks: 0,
    createdAt: now,
    updatedAt: now,
  };
  const key = await newApiKeyRow(workspace.id, { name: "Initial key", permissions: [...PERMISSIONS] }, now);
  await db.batch([db.insert(workspaces).values(workspace), db.insert(apiKeys).values(key.row)]);
  return { workspace, apiKey: key };
}

export const findWorkspace = (db: Database, id: string) =>
  findFirst(db, workspaces, eq(workspaces.id, id));

export async function updateWorkspace(db: Database, id: string, input: { name?: string; plan?: Plan }) {
  const [row] = await db
    .update(workspaces)
    .set({
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.plan !== undefined ? { plan: input.plan, contactLimit: CONTACT_LIMITS[input.plan] } : {}),
      updatedAt: nowIso(),
    })
    .where(eq(workspaces.id, id))
    .returning();
  return row;
}

export async function deleteWorkspace(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(workspaces).where(eq(workspaces.id, id)).returning({ id: workspaces.id });
  return rows.length > 0;
}

export type { NewApiKey };
