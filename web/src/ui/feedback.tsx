import { type ComponentChildren, createContext } from "preact";
import { useCallback, useContext, useState } from "preact/hooks";
import { messageOf } from "../api";

/** A failed load or action, read out at once (role="alert"). */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error-note" role="alert">
      {messageOf(error)}
    </p>
  );
}

const Announce = createContext<(message: string) => void>(() => {});

/** Short confirmations ("Saved", "Copied") in a polite live region, seen and heard, gone after a few seconds. */
export function Announcer({ children }: { children: ComponentChildren }) {
  const [message, setMessage] = useState("");
  const announce = useCallback((text: string) => {
    setMessage(text);
    setTimeout(() => setMessage((current) => (current === text ? "" : current)), 4000);
  }, []);
  return (
    <Announce.Provider value={announce}>
      {children}
      <div class={`toast${message ? " toast-shown" : ""}`} role="status" aria-live="polite">
        {message}
      </div>
    </Announce.Provider>
  );
}

export const useAnnounce = () => useContext(Announce);

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}
