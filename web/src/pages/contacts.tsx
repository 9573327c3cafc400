import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Contact, must } from "../api";
import { type ContactFilters, NO_FILTERS, SORTS, SOURCES, STAGES, useContactList } from "../lib/contacts";
import { saveBlob } from "../lib/download";
import { allContacts, contactsCsv } from "../lib/export";
import { formatDate, initials, plural } from "../lib/format";
import { useDebounced, useLoad } from "../lib/hooks";
import { useSession } from "../session";
import { ErrorNote, Loading, useAnnounce } from "../ui/feedback";
import { type Choice, SelectField, TextField } from "../ui/fields";
import { SidePanel } from "../ui/panel";
import { ContactDetail } from "./contact-detail";
import { NewContactForm } from "./new-contact";

const choices = (record: Record<string, string>, any: string): Choice[] => [
  { value: "", label: any },
  ...Object.entries(record).map(([value, label]) => ({ value, label })),
];
const STAGE_CHOICES = choices(STAGES, "Any stage");
const SOURCE_CHOICES = choices(SOURCES, "Any source");
const SORT_CHOICES = Object.entries(SORTS).map(([value, label]) => ({ value, label }));

/** The workspace's tags, for the tag filter, and a way to load them again after tagging. */
function useTagChoices(): [Choice[], () => void] {
  const tags = useLoad(() => must(api.GET("/v1/tags", { params: { query: { limit: 100 } } })), []);
  const choices = [
    { value: "", label: "Any tag" },
    ...(tags.data?.data ?? []).map((t) => ({ value: t.tag, label: `${t.tag} (${t.count})` })),
  ];
  return [choices, tags.reload];
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

/** Downloads the list as the filters select it, every page, as CSV. */
function ExportButton({ filters }: { filters: ContactFilters }) {
  const [loaded, setLoaded] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();
  const exportCsv = async () => {
    setError(null);
    setLoaded(0);
    try {
      const rows = await allContacts(filters, setLoaded);
      saveBlob(new Blob([contactsCsv(rows)], { type: "text/csv;charset=utf-8" }), "contacts.csv");
      announce(`Exported ${plural(rows.length, "contact")}`);
    } catch (failure) {
      setError(failure);
    } finally {
      setLoaded(null);
    }
  };
  return (
    <>
      <button type="button" class="button" onClick={exportCsv} disabled={loaded !== null}>
        {loaded === null ? "Export CSV" : `Exporting… ${loaded}`}
      </button>
      <ErrorNote error={error} />
    </>
  );
}

function ContactRow({ contact, onOpen }: { contact: Contact; onOpen: (contact: Contact) => void }) {
  const name = contact.name || contact.email || "(no name)";
  return (
    <li class="contact-row">
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

/** Contacts: search as you type, filter by stage and tag, sort, scroll for more, open one to edit it. */
export function ContactsPage() {
  const { can } = useSession();
  const [filters, setFilters] = useState<ContactFilters>(NO_FILTERS);
  const [search, setSearch] = useState("");
  const q = useDebounced(search, 250);
  const list = useContactList({ ...filters, q });
  const [tagChoices, reloadTags] = useTagChoices();
  const [open, setOpen] = useState<Contact | null>(null);
  const [creating, setCreating] = useState(false);
  const sentinel = useWhenVisible(list.loadMore);
  const set = (field: keyof ContactFilters) => (value: string) => setFilters((f) => ({ ...f, [field]: value }));

  return (
    <section aria-labelledby="contacts-title">
      <div class="page-header">
        <h1 id="contacts-title">Contacts</h1>
        <div class="header-actions">
          <ExportButton filters={{ ...filters, q }} />
          {can("contacts:write") && (
            <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
              New contact
            </button>
          )}
        </div>
      </div>
      <search class="filters">
        <TextField label="Search" type="search" value={search} onValue={setSearch} placeholder="Name, email, company…" />
        <SelectField label="Stage" value={filters.stage} onValue={set("stage")} choices={STAGE_CHOICES} />
        <SelectField label="Tag" value={filters.tag} onValue={set("tag")} choices={tagChoices} />
        <SelectField label="Source" value={filters.source} onValue={set("source")} choices={SOURCE_CHOICES} />
        <SelectField label="Sort" value={filters.sort} onValue={set("sort")} choices={SORT_CHOICES} />
      </search>
      <p class="count" role="status">
        {list.loading && list.rows.length === 0 ? "Searching…" : `${list.exact ? "" : "About "}${plural(list.total, "contact")}`}
      </p>
      <ErrorNote error={list.error} />
      {!list.loading && list.rows.length === 0 && !list.error && (
        <div class="empty">{q || filters.tag || filters.stage || filters.source ? "No contact matches." : "No contacts yet."}</div>
      )}
      <ul class="contact-list" aria-label="Contacts">
        {list.rows.map((contact) => (
          <ContactRow key={contact.id} contact={contact} onOpen={setOpen} />
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
              setOpen(null);
              reloadTags();
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
