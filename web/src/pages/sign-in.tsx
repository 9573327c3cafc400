import { useState } from "preact/hooks";
import { ApiFailure } from "../api";
import { TextField } from "../ui/fields";

/**
 * The way in: an API key, exchanged by the server for a session cookie. The key lives in this
 * form's state only until the answer; it is never stored in the browser.
 */
export function SignInPage({ notice, onSignIn }: { notice?: string; onSignIn: (key: string) => Promise<void> }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(key.trim());
    } catch (failure) {
      setError(
        failure instanceof ApiFailure && failure.status === 401
          ? "That key is unknown or revoked."
          : failure instanceof ApiFailure
            ? failure.message
            : "The server could not be reached.",
      );
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <form class="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Cardbox console</h1>
        <p>Sign in with an API key of your workspace. The console then sees and does what that key may.</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <TextField
          label="API key"
          type="password"
          value={key}
          onValue={setKey}
          required
          placeholder="cbx_…"
          error={error}
          hint="Exchanged for a session cookie that ends after 12 hours without use; the key is not kept in this browser."
        />
        <button type="submit" class="button button-primary" disabled={busy || key.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
