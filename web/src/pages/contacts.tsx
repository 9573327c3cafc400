import { useEffect, useId, useRef, useState } from "preact/hooks";
import { api, type Contact, must } from "../api";
import {
  activeFilters,
  type ContactFilters,
  type CustomFieldFilter,
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
  NO_FILTERS,
  parseCustomFilter,
  SORTS,
  SOURCES,
  STAGES,
  useContactList,
} from "../lib/contacts";
import { formatDate, initials, plural } from "../lib/format";
import { useDebounced, useLoad } from "../lib/hooks";
import { replaceSearch } from "../lib/router";
import { useSession } from "../session";
import { ErrorNote, Loading } from "../ui/feedback";
import { type Choice, SelectField, TextField } from "../ui/fields";
import { SidePanel } from "../ui/panel";
import { BulkActions } from "./bulk-actions";
import { ContactDetail } from "./contact-detail";
import { ExportButtons } from "./export-buttons";
import { HeldLeads, HeldLeadsNotice, useHeldCount } from "./held-leads";
import { NewContactForm } from "./new-contact";

const choices = (record: Record<string, string>, any: string): Choice[] => [
  { value: "", label: any },
  ...Object.entries(record).map(([value, label]) => ({ value, label })),
];
const STAGE_CHOICES = choices(STAGES, "Any stage");
const SOURCE_CHOICES = choices(SOURCES, "Any source");
const SORT_CHOICES = Object.entries(SORTS).map(([value, label]) => ({ value, label }));
/** Wider than a phone (styles.css's breakpoint). */
const WIDE_SCREEN = "(min-width: 721px)";

/**
 * The workspace's tags, for the tag filter (with `current` even when it is not among the 100 most
 * used, as an address may name it), and a way to load them again after tagging.
 */
function useTagChoices(current: string): [Choice[], () => void] {
  const tags = useLoad(() => must(api.GET("/v1/tags", { params: { query: { limit: 100 } } })), []);
  const known = (tags.data?.data ?? []).map((t) => ({ value: t.tag, label: `${t.tag} (${t.count})` }));
  const extra = current && !known.some((c) => c.value === current) ? [{ value: current, label: current }] : [];
  return [[{ value: "", label: "Any tag" }, ...known, ...extra], tags.reload];
}

/** The workspace's sites (the places and events contacts were met at), for the site filter. */
function useSiteChoices(): Choice[] {
  const sites = useLoad(() => must(api.GET("/v1/sites", { params: { query: { limit: 100 } } })), []);
  return [{ value: "", label: "Any site" }, ...(sites.data?.data ?? []).map((s) => ({ value: s.id, label: s.title }))];
}

/** Calls `onVisible` whenever `target` scrolls into view: the list's next page, without a button press. */
function useWhenVisible(onVisible: () => void) {
  const target = useRef<HTMLDivElement>(null);
  const callback = useRef(onVisible);
  callback.current = onVisible;
  useEffect(() => {
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && callback.current(), {
      rootMargin: "200px",
    });
    if (target.current) observer.observe(target.current);
    return () => observer.disconnect();
  }, []);
  return target;
}

function ContactRow({
  contact,
  onOpen,
  selected,
  onSelect,
}: {
  contact: Contact;
  onOpen: (contact: Contact) => void;
  selected: boolean;
  onSelect: (id: string, on: boolean) => void;
}) {
  const name = contact.name || contact.email || "(no name)";
  return (
    <li class={`contact-row${selected ? " contact-row-selected" : ""}`}>
      <input
        type="checkbox"
        class="row-check"
        aria-label={`Select ${name}`}
        checked={selected}
        onChange={(e) => onSelect(contact.id, e.currentTarget.checked)}
      />
      <span class="avatar" aria-hidden="true">
        {initials(contact.name ?? contact.email)}
      </span>
      <span class="contact-main">
        <button type="button" class="link-button" onClick={() => onOpen(contact)}>
          {name}
        </button>
        <span class="muted">{[contact.job_title, contact.company].filter(Boolean).join(", ") || contact.email || "—"}</span>
      </span>
      <span class="contact-meta">
        <span class={`stage stage-${contact.stage.toLowerCase()}`}>{contact.stage}</span>
        {contact.tags.length > 0 && (
          <ul class="tags" aria-label="Tags">
            {contact.tags.map((tag) => (
              <li class="tag" key={tag}>
                {tag}
              </li>
            ))}
          </ul>
        )}
        <span class="muted">{formatDate(contact.created_at)}</span>
      </span>
    </li>
  );
}

/** The custom-field filters: typed as `key=value`, each shown with a button to take it off. */
function CustomFieldFilters({ filters, onChange }: { filters: readonly CustomFieldFilter[]; onChange: (f: CustomFieldFilter[]) => void }) {
  const [text, setText] = useState("");
  const typed = parseCustomFilter(text);
  const add = (e: Event) => {
    e.preventDefault();
    if (!typed) return;
    onChange([...filters, typed]);
    setText("");
  };
  const id = useId();
  return (
    <div class="custom-filters">
      <form class="field" onSubmit={add} aria-label="Custom field filter">
        <label for={id}>Custom field</label>
        <div class="input-with-button">
          <input
            id={id}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            placeholder="tier=gold"
            autoComplete="off"
            aria-describedby={`${id}-hint`}
          />
          <button type="submit" class="button" disabled={!typed}>
            Add filter
          </button>
        </div>
        <p class="hint" id={`${id}-hint`}>
          key=value; an operator after the key compares: score[gt]=5, note[contains]=demo
        </p>
      </form>
      {filters.length > 0 && (
        <ul class="tags" aria-label="Custom field filters">
          {filters.map((f, i) => (
            <li class="tag" key={`${f.key}=${f.value}`}>
              {f.key}={f.value}
              <button
                type="button"
                class="tag-remove"
                aria-label={`Remove filter ${f.key}=${f.value}`}
                onClick={() => onChange(filters.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The rows chosen for a bulk action, by id; a new list (other filters) starts with none. */
function useSelection(listKey: string) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => setSelected(new Set()), [listKey]);
  const select = (id: string, on: boolean) =>
    setSelected((ids) => {
      const next = new Set(ids);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const unselect = (ids: readonly string[]) => setSelected((current) => new Set([...current].filter((id) => !ids.includes(id))));
  return { selected, select, selectOnly: (ids: readonly string[]) => setSelected(new Set(ids)), unselect };
}

/** "Select all shown": checked when every loaded row is, mixed when some are. */
function SelectAll({
  rows,
  selected,
  onChange,
}: {
  rows: readonly Contact[];
  selected: ReadonlySet<string>;
  onChange: (all: boolean) => void;
}) {
  const chosen = rows.filter((r) => selected.has(r.id)).length;
  return (
    <label class="checkbox select-all">
      <input
        type="checkbox"
        checked={rows.length > 0 && chosen === rows.length}
        indeterminate={chosen > 0 && chosen < rows.length}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      <span>Select all {rows.length.toLocaleString()} shown</span>
    </label>
  );
}

/**
 * Contacts: search as you type, filter by stage, tag, source, site and custom fields, sort, scroll
 * for more, open one to edit it, export what the filters select. The filters live in the address.
 */
export function ContactsPage() {
  const { can } = useSession();
  const [filters, setFilters] = useState<ContactFilters>(() => filtersFromSearch(location.search));
  const [search, setSearch] = useState(filters.q);
  const q = useDebounced(search, 250);
  const shown = { ...filters, q };
  const list = useContactList(shown);
  const [tagChoices, reloadTags] = useTagChoices(filters.tag);
  const siteChoices = useSiteChoices();
  const [open, setOpen] = useState<Contact | null>(null);
  const [creating, setCreating] = useState(false);
  const held = useHeldCount();
  const [reviewingHeld, setReviewingHeld] = useState(false);
  const sentinel = useWhenVisible(list.loadMore);
  const set = (field: keyof ContactFilters) => (value: unknown) => setFilters((f) => ({ ...f, [field]: value }));
  const active = activeFilters(filters);
  // Open on a wide screen or when the address sets some; on a phone the list comes first.
  const [filtersOpen] = useState(() => active > 0 || matchMedia(WIDE_SCREEN).matches);
  const address = filtersToSearch(shown);
  useEffect(() => replaceSearch(address), [address]);
  const selection = useSelection(address);
  const chosen = list.rows.filter((r) => selection.selected.has(r.id));
  const clear = () => {
    setFilters(NO_FILTERS);
    setSearch("");
  };

  return (
    <section aria-labelledby="contacts-title">
      <div class="page-header">
        <h1 id="contacts-title">Contacts</h1>
        <div class="header-actions">
          <ExportButtons filters={shown} />
          {can("contacts:write") && (
            <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
              New contact
            </button>
          )}
        </div>
      </div>
      <HeldLeadsNotice count={held.count} onOpen={() => setReviewingHeld(true)} />
      <search class="search-box" aria-label="Find contacts">
        <TextField label="Search" type="search" value={search} onValue={setSearch} placeholder="Name, email, company…" />
        <details class="more-filters" open={filtersOpen}>
          <summary>Filters and sort{active > 0 && ` (${active} set)`}</summary>
          <div class="filters">
            <SelectField label="Stage" value={filters.stage} onValue={set("stage")} choices={STAGE_CHOICES} />
            <SelectField label="Tag" value={filters.tag} onValue={set("tag")} choices={tagChoices} />
            <SelectField label="Source" value={filters.source} onValue={set("source")} choices={SOURCE_CHOICES} />
            <SelectField label="Site" value={filters.site} onValue={set("site")} choices={siteChoices} />
            <SelectField label="Sort" value={filters.sort} onValue={set("sort")} choices={SORT_CHOICES} />
            <CustomFieldFilters filters={filters.custom} onChange={set("custom")} />
          </div>
        </details>
      </search>
      <div class="list-status">
        {list.rows.length > 0 && (
          <SelectAll
            rows={list.rows}
            selected={selection.selected}
            onChange={(all) => selection.selectOnly(all ? list.rows.map((r) => r.id) : [])}
          />
        )}
        <p class="count" role="status">
          {list.loading && list.rows.length === 0 ? "Searching…" : `${list.exact ? "" : "About "}${plural(list.total, "contact")}`}
        </p>
        {hasFilters(shown) && (
          <button type="button" class="button button-quiet" onClick={clear}>
            Clear filters
          </button>
        )}
      </div>
      {chosen.length > 0 && (
        <BulkActions
          selected={chosen}
          onTagged={(changes) => {
            for (const { id, tags } of changes) {
              const row = list.rows.find((r) => r.id === id);
              if (row) list.replace({ ...row, tags });
            }
            reloadTags();
          }}
          onDeleted={(ids) => {
            list.remove(ids);
            selection.unselect(ids);
            reloadTags();
          }}
          onClear={() => selection.selectOnly([])}
        />
      )}
      <ErrorNote error={list.error} />
      {!list.loading && list.rows.length === 0 && !list.error && (
        <div class="empty">{hasFilters(shown) ? "No contact matches." : "No contacts yet."}</div>
      )}
      <ul class="contact-list" aria-label="Contacts">
        {list.rows.map((contact) => (
          <ContactRow
            key={contact.id}
            contact={contact}
            onOpen={setOpen}
            selected={selection.selected.has(contact.id)}
            onSelect={selection.select}
          />
        ))}
      </ul>
      <div ref={sentinel} class="sentinel">
        {list.loading && list.rows.length > 0 && <Loading label="Loading more…" />}
      </div>
      {open && (
        <SidePanel title={open.name || open.email || "Contact"} onClose={() => setOpen(null)}>
          <ContactDetail
            id={open.id}
            onChanged={(contact) => {
              list.replace(contact);
              setOpen(contact);
              reloadTags();
            }}
            onDeleted={(id) => {
              list.remove([id]);
              selection.unselect([id]);
              setOpen(null);
              reloadTags();
            }}
          />
        </SidePanel>
      )}
      {reviewingHeld && (
        <SidePanel title="Held leads" onClose={() => setReviewingHeld(false)}>
          <HeldLeads
            onChanged={(released) => {
              held.recount();
              if (released) list.reload();
            }}
          />
        </SidePanel>
      )}
      {creating && (
        <SidePanel title="New contact" onClose={() => setCreating(false)}>
          <NewContactForm
            onCreated={(contact) => {
              setCreating(false);
              list.reload();
              setOpen(contact);
            }}
          />
        </SidePanel>
      )}
    </section>
  );
}
