import { createContext } from "preact";
import { useCallback, useContext, useEffect, useState } from "preact/hooks";
import { api, type ConsoleSession, must, type Permission, setCsrfToken, whenSessionEnds } from "./api";

export type SessionState =
  | { status: "loading" }
  | { status: "signed-out"; notice?: string }
  | { status: "signed-in"; session: ConsoleSession };

const ENDED = "Your session has ended (signed out elsewhere, idle for 12 hours, or its key was revoked). Sign in again.";

/**
 * The console's session: asked of the server when the console opens (the cookie is HttpOnly, so
 * only the server knows), set by signing in, and ended by signing out or by any 401.
 */
export function useSessionState() {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  const signedIn = useCallback((session: ConsoleSession) => {
    setCsrfToken(session.csrf_token);
    setState({ status: "signed-in", session });
  }, []);
  const signedOut = useCallback((notice?: string) => {
    setCsrfToken(null);
    setState({ status: "signed-out", notice });
  }, []);

  useEffect(() => {
    whenSessionEnds(() => signedOut(ENDED));
    api.GET("/app/session").then(
      ({ data }) => (data ? signedIn(data) : signedOut()),
      () => signedOut("The server could not be reached."),
    );
  }, [signedIn, signedOut]);

  const signIn = useCallback(async (key: string) => signedIn(await must(api.POST("/app/session", { body: { key } }))), [signedIn]);
  const signOut = useCallback(async () => {
    await must(api.DELETE("/app/session"));
    signedOut("You are signed out.");
  }, [signedOut]);
  return { state, signIn, signOut };
}

export interface SessionContext {
  session: ConsoleSession;
  /** Whether the signed-in key holds `permission`: what it may not do, the console does not offer. */
  can: (permission: Permission) => boolean;
  signOut: () => Promise<void>;
}

export const Session = createContext<SessionContext | null>(null);

export function useSession(): SessionContext {
  const context = useContext(Session);
  if (!context) throw new Error("useSession outside a signed-in console");
  return context;
}
