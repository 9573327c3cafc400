import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { RequestIdVariables } from "hono/request-id";
import type { ApiKey } from "./keys.table";
import type { Workspace } from "../workspaces/workspaces.table";
import type { Db } from "../lib/db/runner";
import type { KeyProof } from "./key-proof";

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
    db: Db;
    caller: Caller;
    /** Set when the caller's key came from the isolate's cache and must still be proven live. */
    keyProof?: KeyProof;
  };
}

/** A route handler of the API, typed by its route definition. */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
