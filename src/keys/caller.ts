import type { Workspace } from "../workspaces/workspaces.table";
import type { ApiKey } from "./keys.table";

export const PERMISSIONS = ["contacts:read", "contacts:write", "webhooks:manage", "keys:manage"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who is calling: the API key (what it may do) and its workspace (everything it may see). */
export interface Caller {
  workspace: Workspace;
  apiKey: Pick<ApiKey, "id" | "name" | "prefix" | "permissions">;
}
