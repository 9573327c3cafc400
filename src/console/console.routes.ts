import { createRoute, z } from "@hono/zod-openapi";
import { MeSchema } from "../keys/keys.routes";
import { errorResponses, json, jsonBody, NO_QUERY } from "../lib/openapi";
import { noBody } from "../middleware/json-body";
import { CSRF_HEADER } from "./session-cookie";

const tags = ["Console"];
const security = [{ ConsoleSession: [] }];

const ConsoleSessionSchema = MeSchema.extend({
  csrf_token: z.string().openapi({ description: `Send it in \`${CSRF_HEADER}\` with every write the console makes.` }),
  idle_timeout_seconds: z.number().int().openapi({ description: "The session ends after this long without a request.", example: 43200 }),
}).openapi("ConsoleSession");

const SignInSchema = z
  .strictObject({ key: z.string().min(1).max(256).openapi({ description: "An API key (`cbx_…`)." }) })
  .openapi("ConsoleSignIn");

export const signIn = createRoute({
  method: "post",
  path: "/session",
  tags,
  operationId: "signInToConsole",
  summary: "Sign in to the console with an API key",
  description:
    "Exchanges a live API key for a session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS), which then stands for the key on `/v1` " +
    "until 12 hours without a request, sign-out, or the key's revocation. Only from a page of this origin (`Origin`).",
  // No credential yet: the API key is in the body.
  security: [],
  request: { query: NO_QUERY, body: jsonBody(SignInSchema) },
  responses: {
    201: json(ConsoleSessionSchema, "Signed in: the session's key, workspace and CSRF token"),
    ...errorResponses(400, 401, 403, 413, 415),
  },
});

export const getSession = createRoute({
  method: "get",
  path: "/session",
  tags,
  operationId: "getConsoleSession",
  summary: "The console's current session",
  description: "The signed-in key, its workspace and the session's CSRF token; 401 once the session has ended.",
  security,
  request: { query: NO_QUERY },
  responses: { 200: json(ConsoleSessionSchema, "The live session"), ...errorResponses(401) },
});

export const signOut = createRoute({
  method: "delete",
  path: "/session",
  tags,
  operationId: "signOutOfConsole",
  summary: "Sign out of the console",
  description: `Ends the session and clears its cookie (with the session's \`${CSRF_HEADER}\`, from this origin). Without a live session it only clears the cookie.`,
  security,
  middleware: [noBody()],
  request: { query: NO_QUERY },
  responses: { 204: { description: "Signed out" }, ...errorResponses(403) },
});
