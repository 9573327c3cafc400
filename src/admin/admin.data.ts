import { PERMISSIONS } from "../keys/caller";
import { newApiKeyRow } from "../keys/keys.data";
import { apiKeys } from "../keys/keys.table";
import type { Db } from "../lib/db/runner";
import { nowIso } from "../lib/ids";
import type { Plan } from "../workspaces/plans";
import { newWorkspaceRow } from "../workspaces/workspaces.data";
import { workspaces } from "../workspaces/workspaces.table";

/** A new workspace and its first all-permission key, written together. */
export async function provisionWorkspace(db: Db, input: { name: string; plan: Plan }) {
  const now = nowIso();
  const workspace = newWorkspaceRow(input, now);
  const key = await newApiKeyRow(workspace.id, { name: "Initial key", permissions: [...PERMISSIONS] }, now);
  await db.batch([db.orm.insert(workspaces).values(workspace), db.orm.insert(apiKeys).values(key.row)]);
  return { workspace, apiKey: key };
}
