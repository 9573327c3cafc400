import { useEffect, useId, useRef, useState } from "preact/hooks";
import { api, type Contact, must, type Schemas } from "../api";
import { SOURCES } from "../lib/contacts";
import { formatDateTime, plural } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { Empty, ErrorNote, Loading } from "../ui/feedback";

type DuplicateGroup = Schemas["DuplicateGroup"];

/** A merge takes at most this many contacts into the one kept. */
const MERGE_LIMIT = 10;

interface Merged {
  contact: Contact;
  count: number;
}

const summary = (c: Contact) => [c.email, c.phone, c.job_title].filter(Boolean).join(" · ") || "No email or phone";

/** One group: its contacts, one chosen to keep (the oldest unless another is picked), merged in one press. */
function GroupCard({ group, onMerged }: { group: DuplicateGroup; onMerged: (merged: Merged) => void }) {
  const [keep, setKeep] = useState(group.contacts[0]!.id);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const name = useId();
  const first = group.contacts[0]!;
  const from = group.contacts
    .filter((c) => c.id !== keep)
    .map((c) => c.id)
    .slice(0, MERGE_LIMIT);
  const merge = async () => {
    setBusy(true);
    setError(null);
    try {
      const contact = await must(api.POST("/v1/contacts/{id}/merge", { params: { path: { id: keep } }, body: { from } }));
      onMerged({ contact, count: from.length });
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <li class="card-box duplicate-group">
      <fieldset>
        <legend>
          {first.name} · {first.company} <span class="muted">({plural(group.count, "contact")})</span>
        </legend>
        {group.contacts.map((c, i) => (
          <label key={c.id} class="duplicate-choice">
            <input type="radio" name={name} value={c.id} checked={keep === c.id} onChange={() => setKeep(c.id)} />
            <span>
              <span class="duplicate-line">
                Keep this one{i === 0 ? " (the oldest)" : ""}: {summary(c)}
              </span>
              <span class="muted">
                {SOURCES[c.source]}, added {formatDateTime(c.created_at)}
                {c.tags.length > 0 && ` · tags ${c.tags.join(", ")}`}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      {group.count > group.contacts.length && <p class="hint">Shows the oldest {group.contacts.length}; merge again for the rest.</p>}
      <ErrorNote error={error} />
      <button type="button" class="button button-primary" onClick={merge} disabled={busy || from.length === 0}>
        {busy ? "Merging…" : `Merge ${plural(from.length, "contact")} into the one kept`}
      </button>
    </li>
  );
}

/** What a merge made: the contact kept, with what it now holds. Takes the focus, as the group it replaces is gone. */
function MergeResult({ merged }: { merged: Merged }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [merged]);
  const { contact } = merged;
  return (
    <section class="merge-result" role="status" aria-labelledby="merge-result-title">
      <h2 id="merge-result-title" tabIndex={-1} ref={heading}>
        Merged {plural(merged.count, "contact")} into {contact.name ?? contact.email}
      </h2>
      <dl class="facts">
        <dt>Email</dt>
        <dd>{contact.email ?? "—"}</dd>
        <dt>Phone</dt>
        <dd>{contact.phone ?? "—"}</dd>
        <dt>Company</dt>
        <dd>{contact.company ?? "—"}</dd>
        <dt>Tags</dt>
        <dd>{contact.tags.join(", ") || "—"}</dd>
      </dl>
    </section>
  );
}

/** Duplicates: contacts sharing a name and a company, in groups, each merged into one in a press. */
export function DuplicatesPage() {
  const [round, setRound] = useState(0);
  const [merged, setMerged] = useState<Merged | null>(null);
  const groups = useLoad(() => must(api.GET("/v1/contacts/duplicates", { params: { query: { limit: 25 } } })), [round]);
  // Pages after the first, by cursor; dropped whenever the first page is loaded again.
  const [more, setMore] = useState<{ groups: DuplicateGroup[]; next: string | null } | null>(null);
  const [moreError, setMoreError] = useState<unknown>(null);
  useEffect(() => setMore(null), [groups.data]);
  const next = more ? more.next : (groups.data?.pagination.next_cursor ?? null);
  const loadMore = async () => {
    if (!next) return;
    setMoreError(null);
    try {
      const page = await must(api.GET("/v1/contacts/duplicates", { params: { query: { cursor: next, limit: 25 } } }));
      setMore((m) => ({ groups: [...(m?.groups ?? []), ...page.data], next: page.pagination.next_cursor }));
    } catch (failure) {
      setMoreError(failure);
    }
  };
  const all = [...(groups.data?.data ?? []), ...(more?.groups ?? [])];

  return (
    <section aria-labelledby="duplicates-title">
      <div class="page-header">
        <h1 id="duplicates-title">Duplicates</h1>
      </div>
      <p class="muted">
        Contacts with the same name and company. Merging keeps one: its empty fields are filled from the others, tags and notes are joined,
        and the others are deleted.
      </p>
      {merged && <MergeResult merged={merged} />}
      <ErrorNote error={groups.error} />
      {groups.loading && !groups.data ? (
        <Loading />
      ) : all.length === 0 ? (
        <Empty>No duplicates.</Empty>
      ) : (
        <>
          <p class="count">{plural(groups.data?.pagination.total ?? all.length, "group")}</p>
          <ul class="duplicate-list" aria-label="Duplicate groups">
            {all.map((group) => (
              <GroupCard
                key={group.contacts.map((c) => c.id).join()}
                group={group}
                onMerged={(result) => {
                  setMerged(result);
                  setRound((r) => r + 1);
                }}
              />
            ))}
          </ul>
          <ErrorNote error={moreError} />
          {next && (
            <button type="button" class="button" onClick={loadMore}>
              Show more groups
            </button>
          )}
        </>
      )}
    </section>
  );
}
