import { useEffect, useId, useMemo, useState } from "preact/hooks";
import { followsInPlace, navigate, usePath } from "./lib/router";
import { type PageEntry, pagesFor } from "./pages";
import { SignInPage } from "./pages/sign-in";
import { Session, type SessionContext, useSession, useSessionState } from "./session";
import { Announcer, Loading } from "./ui/feedback";

export function App() {
  const { state, signIn, signOut } = useSessionState();
  const session = state.status === "signed-in" ? state.session : null;
  const context = useMemo<SessionContext | null>(
    () => session && { session, can: (permission) => session.api_key.permissions.includes(permission), signOut },
    [session, signOut],
  );
  return (
    <Announcer>
      {state.status === "loading" && <Loading label="Opening the console…" />}
      {state.status === "signed-out" && <SignInPage notice={state.notice} onSignIn={signIn} />}
      {context && (
        <Session.Provider value={context}>
          <Shell />
        </Session.Provider>
      )}
    </Announcer>
  );
}

function NavLink({ entry, current, onFollow }: { entry: PageEntry; current: boolean; onFollow: () => void }) {
  return (
    <a
      href={`/app/${entry.path}`}
      aria-current={current ? "page" : undefined}
      onClick={(e) => {
        if (!followsInPlace(e)) return;
        e.preventDefault();
        onFollow();
        // The page shown already keeps its state (and the address its filters).
        if (!current) navigate(entry.path);
      }}
    >
      {entry.label}
    </a>
  );
}

function Shell() {
  const context = useSession();
  const { session, signOut } = context;
  const path = usePath();
  const pages = useMemo(() => pagesFor(context.can), [context.can]);
  const [section] = path.split("/");
  const current = pages.find((p) => p.path === section);

  useEffect(() => {
    // /app, an unknown page or one this key may not see: the first page it may.
    if (!current && pages[0]) navigate(pages[0].path, { replace: true });
  }, [current, pages]);
  useEffect(() => {
    document.title = current ? `${current.label} · Cardbox` : "Cardbox console";
  }, [current]);

  const Page = current?.page;
  // On a phone the menu is a disclosure under the top bar (styles.css); on a wide screen always shown.
  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Cardbox</span>
        <span class="workspace" title={`Signed in with the key ${session.api_key.name} (${session.api_key.prefix}…)`}>
          {session.workspace.name}
        </span>
        <button type="button" class="button button-quiet" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <button
        type="button"
        class="menu-toggle"
        aria-expanded={menuOpen}
        aria-controls={menuId}
        onClick={() => setMenuOpen((open) => !open)}
      >
        <span aria-hidden="true">☰</span>
        <span>Menu{current && <span class="muted">: {current.label}</span>}</span>
      </button>
      <nav id={menuId} class={`nav${menuOpen ? " nav-open" : ""}`} aria-label="Console">
        {pages.map((entry) => (
          <NavLink key={entry.path} entry={entry} current={entry === current} onFollow={() => setMenuOpen(false)} />
        ))}
      </nav>
      <main id="main" class="main" tabIndex={-1}>
        {Page ? <Page /> : pages.length === 0 ? <p>This key may not see any page of the console.</p> : <Loading />}
      </main>
    </div>
  );
}
