import type { AppRouteHandler } from "../keys/app-env";
import type { Caller, Permission } from "../keys/caller";
import { invalidKey } from "../keys/key-proof";
import { findCallerByKeyHash } from "../keys/keys.data";
import { sha256Hex } from "../lib/crypto";
import type * as routes from "./console.routes";
import { liveSession, notSignedIn } from "./console-session";
import { createSession, deleteSession, findLiveSession, SESSION_IDLE_MS } from "./console-sessions.data";
import { clearSessionCookie, readSessionToken, requireCsrfToken, requireSameOrigin, setSessionCookie } from "./session-cookie";

const sessionAnswer = ({ workspace, apiKey }: Caller, csrfToken: string) => ({
  workspace: { id: workspace.id, name: workspace.name, plan: workspace.plan },
  api_key: { ...apiKey, permissions: apiKey.permissions as Permission[] },
  csrf_token: csrfToken,
  idle_timeout_seconds: SESSION_IDLE_MS / 1000,
});

export const signIn: AppRouteHandler<typeof routes.signIn> = async (c) => {
  requireSameOrigin(c);
  const { key } = c.req.valid("json");
  const found = key.startsWith("cbx_") ? await findCallerByKeyHash(c.var.db, await sha256Hex(key)) : undefined;
  if (!found) throw invalidKey();
  const session = await createSession(c.var.db, found.caller.apiKey.id);
  setSessionCookie(c, session.token);
  return c.json(sessionAnswer(found.caller, session.csrfToken), 201);
};

export const getSession: AppRouteHandler<typeof routes.getSession> = async (c) => {
  const token = readSessionToken(c);
  if (!token) throw notSignedIn();
  const session = await liveSession(c, token);
  if (session.slid) setSessionCookie(c, token);
  return c.json(sessionAnswer(session.caller, session.csrfToken), 200);
};

export const signOut: AppRouteHandler<typeof routes.signOut> = async (c) => {
  requireSameOrigin(c);
  const token = readSessionToken(c);
  const session = token ? await findLiveSession(c.var.db, token) : undefined;
  if (session) {
    await requireCsrfToken(c, session.csrfToken);
    await deleteSession(c.var.db, token!);
  }
  clearSessionCookie(c);
  return c.body(null, 204);
};
