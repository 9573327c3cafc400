import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { RequestIdVariables } from "hono/request-id";
import type { Db } from "../lib/db/runner";
import type { Caller } from "./caller";
import type { KeyProof } from "./key-proof";

/** What every API request carries: the bindings, its request id, its query runner and its caller. */
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
