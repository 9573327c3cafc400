import type { RequestIdVariables } from "hono/request-id";
import type { ApiKey } from "./keys.table";
import type { Workspace } from "../workspaces/workspaces.table";
import type { Database } from "../lib/db/client";
import type { LiveKeyCheck } from "./key-proof";

export type Permission = "contacts:read" | "contacts:write" | "webhooks:manage" | "keys:manage";

export const PERMISSIONS: readonly Permission[] = [
  "contacts:read",
  "contacts:write",
  "webhooks:manage",
  "keys:manage",
];

/** What the api-key middleware learns about the caller. */
export interface Caller {
  workspace: Workspace;
  apiKey: Pick<ApiKey, "id" | "name" | "prefix" | "permissions">;
}

export interface AppEnv {
  Bindings: Env;
  Variables: RequestIdVariables & {
    db: Database;
    caller: Caller;
    /** Set when the caller's key came from the isolate's cache and must still be proven live. */
    liveKey?: LiveKeyCheck;
  };
}
