import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, type Contact, type ContactListQuery, must } from "../api";

export type ContactSort = NonNullable<ContactListQuery["sort"]>;

export const STAGES = {
  Subscriber: "Subscriber",
  Lead: "Lead",
  Qualified: "Qualified",
  Opportunity: "Opportunity",
  Customer: "Customer",
  Evangelist: "Evangelist",
  Other: "Other",
} satisfies Record<Contact["stage"], string>;

export const SOURCES = {
  qr_scan: "QR scan",
  web: "Card page",
  mcp: "AI assistant (MCP)",
  api: "API",
  import: "Import",
} satisfies Record<Contact["source"], string>;

export const SORTS = {
  "-created_at": "Newest first",
  created_at: "Oldest first",
  "-updated_at": "Recently changed",
  updated_at: "Least recently changed",
  name: "Name A–Z",
  "-name": "Name Z–A",
} satisfies Record<ContactSort, string>;

export interface ContactFilters {
  q: string;
  tag: string;
  stage: string;
  source: string;
  site: string;
  sort: ContactSort;
}

export const NO_FILTERS: ContactFilters = { q: "", tag: "", stage: "", source: "", site: "", sort: "-created_at" };

const PAGE_SIZE = 50;
/** The API refuses a search with no letter or digit; such text searches nothing yet. */
const searchable = (q: string) => /[\p{L}\p{N}]/u.test(q);

/** The list query the filters mean (empty filters left out, as the API takes each only once). */
export function contactQuery(f: ContactFilters): ContactListQuery {
  return {
    limit: PAGE_SIZE,
    sort: f.sort,
    ...(searchable(f.q) ? { q: f.q.trim() } : {}),
    ...(f.tag ? { tags: f.tag } : {}),
    ...(f.stage ? { stage: f.stage as Contact["stage"] } : {}),
    ...(f.source ? { source: f.source as Contact["source"] } : {}),
    ...(f.site ? { site_id: f.site } : {}),
  };
}

interface ListState {
  rows: Contact[];
  next: string | null;
  total: number;
  exact: boolean;
  loading: boolean;
  error: unknown;
}

/**
 * The contact list for `filters`, a page at a time: the first page when the filters change, the
 * next by its cursor (`loadMore`, for endless scroll). An answer for filters no longer shown is dropped.
 */
export function useContactList(filters: ContactFilters) {
  const [state, setState] = useState<ListState>({ rows: [], next: null, total: 0, exact: true, loading: true, error: null });
  const generation = useRef(0);
  const busy = useRef(false);
  const key = JSON.stringify(contactQuery(filters));

  const loadFirst = useCallback(async () => {
    const mine = ++generation.current;
    busy.current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await must(api.GET("/v1/contacts", { params: { query: JSON.parse(key) } }));
      if (mine !== generation.current) return;
      setState({
        rows: page.data,
        next: page.pagination.next_cursor,
        total: page.pagination.total,
        exact: page.pagination.total_exact,
        loading: false,
        error: null,
      });
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, loading: false, error }));
    } finally {
      if (mine === generation.current) busy.current = false;
    }
  }, [key]);

  useEffect(() => {
    loadFirst();
  }, [loadFirst]);

  const loadMore = useCallback(async () => {
    const cursor = state.next;
    if (!cursor || busy.current) return;
    const mine = generation.current;
    busy.current = true;
    setState((s) => ({ ...s, loading: true }));
    try {
      // A cursor carries its filters and sort: it is sent alone.
      const page = await must(api.GET("/v1/contacts", { params: { query: { cursor, limit: PAGE_SIZE } } }));
      if (mine !== generation.current) return;
      setState((s) => ({ ...s, rows: [...s.rows, ...page.data], next: page.pagination.next_cursor, loading: false }));
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, loading: false, error }));
    } finally {
      if (mine === generation.current) busy.current = false;
    }
  }, [state.next]);

  /** Shows a contact's new state (edited, tagged) where it is in the list. */
  const replace = useCallback(
    (contact: Contact) => setState((s) => ({ ...s, rows: s.rows.map((r) => (r.id === contact.id ? contact : r)) })),
    [],
  );
  const remove = useCallback(
    (ids: readonly string[]) =>
      setState((s) => ({ ...s, rows: s.rows.filter((r) => !ids.includes(r.id)), total: Math.max(0, s.total - ids.length) })),
    [],
  );
  return { ...state, loadMore, reload: loadFirst, replace, remove };
}
