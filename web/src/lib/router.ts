import { useEffect, useState } from "preact/hooks";

/** Where the console lives; its pages are `/app/<page>`, and the Worker answers every one with the same shell. */
export const BASE = "/app";

const pathOf = () => location.pathname.replace(/^\/app\/?/, "").replace(/\/+$/, "");

/** Shows `page` (e.g. "contacts") as a new history entry. */
export function navigate(page: string, { replace = false } = {}) {
  const url = `${BASE}/${page}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** The current page's path below /app ("" for /app itself), kept in step with the address bar. */
export function usePath(): string {
  const [path, setPath] = useState(pathOf);
  useEffect(() => {
    const update = () => setPath(pathOf());
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

/** A click on an in-console link that the console handles itself (not a new tab or window). */
export function followsInPlace(event: MouseEvent) {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

/** Puts `search` in the address bar in place of its query, without a new history entry: what a reload keeps. */
export function replaceSearch(search: string) {
  const url = `${location.pathname}${search ? `?${search}` : ""}`;
  if (url !== `${location.pathname}${location.search}`) history.replaceState(history.state, "", url);
}
