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
  /** Custom-field filters: a key (with an operator if any, `score[gt]`) and the value it must have. */
  custom: readonly CustomFieldFilter[];
}

export interface CustomFieldFilter {
  key: string;
  value: string;
}

export const NO_FILTERS: ContactFilters = { q: "", tag: "", stage: "", source: "", site: "", sort: "-created_at", custom: [] };

/** A custom-field filter's parameter, which the OpenAPI document cannot list (its name holds the key). */
type CustomFieldParams = Record<`custom_fields.${string}`, string>;
export type ContactFilterQuery = Omit<ContactListQuery, "limit" | "page" | "cursor"> & CustomFieldParams;

const PAGE_SIZE = 50;
const CUSTOM_PREFIX = "custom_fields.";
/** The API refuses a search with no letter or digit; such text searches nothing yet. */
const searchable = (q: string) => /[\p{L}\p{N}]/u.test(q);
const isKeyOf = <T extends object>(record: T, key: string | null): key is Extract<keyof T, string> =>
  key !== null && Object.hasOwn(record, key);

/** How many filters besides the search are set. */
export const activeFilters = (f: ContactFilters) => [f.tag, f.stage, f.source, f.site].filter(Boolean).length + f.custom.length;
export const hasFilters = (f: ContactFilters) => searchable(f.q) || activeFilters(f) > 0;

/**
 * The filters as the API's query parameters, empty ones left out (the API takes each only once).
 * The console's address carries the same parameters, so a reload or a shared link shows the same list.
 */
export function filterQuery(f: ContactFilters): ContactFilterQuery {
  return {
    sort: f.sort,
    ...(searchable(f.q) ? { q: f.q.trim() } : {}),
    ...(f.tag ? { tags: f.tag } : {}),
    ...(f.stage ? { stage: f.stage as Contact["stage"] } : {}),
    ...(f.source ? { source: f.source as Contact["source"] } : {}),
    ...(f.site ? { site_id: f.site } : {}),
    ...Object.fromEntries(f.custom.map(({ key, value }) => [`${CUSTOM_PREFIX}${key}`, value])),
  };
}

/** A page of the list the filters select. */
export const contactQuery = (f: ContactFilters): ContactListQuery & CustomFieldParams => ({ limit: PAGE_SIZE, ...filterQuery(f) });

/** The filters for the console's address (the default sort left out). */
export function filtersToSearch(f: ContactFilters): string {
  const { sort = NO_FILTERS.sort, ...query } = filterQuery(f);
  // Every value filterQuery sets is text.
  const params = new URLSearchParams(query as Record<string, string>);
  if (sort !== NO_FILTERS.sort) params.set("sort", sort);
  return params.toString();
}

/** The filters an address names; a value the console does not offer (a stage or sort it does not know) is left out. */
export function filtersFromSearch(search: string): ContactFilters {
  const params = new URLSearchParams(search);
  const sort = params.get("sort");
  const stage = params.get("stage");
  const source = params.get("source");
  return {
    q: params.get("q") ?? "",
    tag: params.get("tags") ?? "",
    stage: isKeyOf(STAGES, stage) ? stage : "",
    source: isKeyOf(SOURCES, source) ? source : "",
    site: params.get("site_id") ?? "",
    sort: isKeyOf(SORTS, sort) ? sort : NO_FILTERS.sort,
    custom: [...params]
      .filter(([name]) => name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length)
      .map(([name, value]) => ({ key: name.slice(CUSTOM_PREFIX.length), value })),
  };
}

/** `key=value` as a custom-field filter (split at the first `=`), or null when there is no key or no `=`. */
export function parseCustomFilter(text: string): CustomFieldFilter | null {
  const at = text.indexOf("=");
  const key = text.slice(0, at).trim();
  return at > 0 && key ? { key, value: text.slice(at + 1).trim() } : null;
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
