import { useEffect, useState } from "preact/hooks";
import { ApiFailure, api, type Contact, must } from "../api";
import { SOURCES, STAGES } from "../lib/contacts";
import { attachmentName, saveBlob } from "../lib/download";
import { formatDateTime } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { useSession } from "../session";
import { ConfirmButton } from "../ui/actions";
import { ErrorNote, Loading, useAnnounce } from "../ui/feedback";
import { SelectField, TextArea, TextField } from "../ui/fields";

/** The fields the detail panel edits, as the form holds them (text, "" for none). */
const EDITABLE = ["first_name", "last_name", "email", "phone", "company", "job_title", "notes"] as const;
type Editable = (typeof EDITABLE)[number];
type Draft = Record<Editable, string> & { stage: Contact["stage"] };

const LABELS: Record<Editable, string> = {
  first_name: "First name",
  last_name: "Last name",
  email: "Email",
  phone: "Phone",
  company: "Company",
  job_title: "Job title",
  notes: "Notes",
};
const STAGE_CHOICES = Object.entries(STAGES).map(([value, label]) => ({ value, label }));

const draftOf = (contact: Contact): Draft => ({
  ...(Object.fromEntries(EDITABLE.map((field) => [field, contact[field] ?? ""])) as Record<Editable, string>),
  stage: contact.stage,
});

/** Only what changed, with "" sent as null (cleared). */
function changes(contact: Contact, draft: Draft) {
  const patch: Record<string, string | null> = {};
  for (const field of EDITABLE) if (draft[field] !== (contact[field] ?? "")) patch[field] = draft[field].trim() || null;
  if (draft.stage !== contact.stage) patch.stage = draft.stage;
  return patch;
}

function TagEditor({ contact, onChanged, editable }: { contact: Contact; onChanged: (tags: string[]) => void; editable: boolean }) {
  const [tag, setTag] = useState("");
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();
  const change = async (path: "/v1/contacts/{id}/tags/add" | "/v1/contacts/{id}/tags/remove", tags: string[]) => {
    setError(null);
    try {
      const answer = await must(api.POST(path, { params: { path: { id: contact.id } }, body: { tags } }));
      onChanged(answer.tags);
      return true;
    } catch (e) {
      setError(e);
      return false;
    }
  };
  const add = async (e: Event) => {
    e.preventDefault();
    const name = tag.trim();
    if (name && (await change("/v1/contacts/{id}/tags/add", [name]))) {
      setTag("");
      announce(`Tagged ${name}`);
    }
  };
  return (
    <section aria-labelledby="tags-title" class="detail-section">
      <h3 id="tags-title">Tags</h3>
      {contact.tags.length === 0 ? (
        <p class="muted">No tags.</p>
      ) : (
        <ul class="tags">
          {contact.tags.map((t) => (
            <li class="tag" key={t}>
              {t}
              {editable && (
                <button
                  type="button"
                  class="tag-remove"
                  aria-label={`Remove tag ${t}`}
                  onClick={() => change("/v1/contacts/{id}/tags/remove", [t])}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {editable && (
        <form class="inline-form" onSubmit={add}>
          <TextField label="Add a tag" value={tag} onValue={setTag} maxLength={50} />
          <button type="submit" class="button" disabled={!tag.trim()}>
            Add tag
          </button>
        </form>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

/** One contact: its fields (editable with contacts:write), tags, vCard download and delete. */
export function ContactDetail({
  id,
  onChanged,
  onDeleted,
}: {
  id: string;
  onChanged: (c: Contact) => void;
  onDeleted: (id: string) => void;
}) {
  const { can } = useSession();
  const editable = can("contacts:write");
  const loaded = useLoad(() => must(api.GET("/v1/contacts/{id}", { params: { path: { id } } })), [id]);
  const [contact, setContact] = useState<Contact>();
  const [draft, setDraft] = useState<Draft>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();

  useEffect(() => {
    if (loaded.data) {
      setContact(loaded.data);
      setDraft(draftOf(loaded.data));
    }
  }, [loaded.data]);

  if (loaded.error) return <ErrorNote error={loaded.error} />;
  if (!contact || !draft) return <Loading />;

  const shown = (next: Contact) => {
    setContact(next);
    setDraft(draftOf(next));
    onChanged(next);
  };
  const patch = changes(contact, draft);
  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setError(null);
    try {
      shown(await must(api.PATCH("/v1/contacts/{id}", { params: { path: { id } }, body: patch })));
      announce("Saved");
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };
  const downloadVcard = async () => {
    const { data, response } = await api.GET("/v1/contacts/{id}/vcard", { params: { path: { id } }, parseAs: "blob" });
    if (data) saveBlob(data, attachmentName(response, "contact.vcf"));
    else setError(new ApiFailure(response.status, undefined));
  };
  const fieldError = (field: string) => (error instanceof ApiFailure ? error.fieldError(field) : undefined);

  return (
    <div class="detail">
      <dl class="facts">
        <dt>Source</dt>
        <dd>{SOURCES[contact.source]}</dd>
        <dt>Added</dt>
        <dd>{formatDateTime(contact.created_at)}</dd>
        <dt>Changed</dt>
        <dd>{formatDateTime(contact.updated_at)}</dd>
      </dl>
      <form onSubmit={save} class="detail-section" aria-label="Contact fields">
        {EDITABLE.map((field) =>
          field === "notes" ? (
            <TextArea
              key={field}
              label={LABELS[field]}
              value={draft.notes}
              onValue={(v) => setDraft({ ...draft, notes: v })}
              disabled={!editable}
            />
          ) : (
            <TextField
              key={field}
              label={LABELS[field]}
              type={field === "email" ? "email" : field === "phone" ? "tel" : "text"}
              value={draft[field]}
              onValue={(v) => setDraft({ ...draft, [field]: v })}
              disabled={!editable}
              error={fieldError(field)}
            />
          ),
        )}
        <SelectField
          label="Stage"
          value={draft.stage}
          onValue={(v) => setDraft({ ...draft, stage: v as Contact["stage"] })}
          choices={STAGE_CHOICES}
          disabled={!editable}
        />
        <ErrorNote error={error} />
        {editable && (
          <button type="submit" class="button button-primary" disabled={saving || Object.keys(patch).length === 0}>
            {saving ? "Saving…" : "Save changes"}
          </button>
        )}
      </form>
      <TagEditor contact={contact} editable={editable} onChanged={(tags) => shown({ ...contact, tags })} />
      <div class="detail-actions">
        <button type="button" class="button" onClick={downloadVcard}>
          Download vCard
        </button>
        {editable && (
          <ConfirmButton
            label="Delete contact"
            question="Delete this contact?"
            confirmLabel="Delete"
            onConfirm={async () => {
              await must(api.DELETE("/v1/contacts/{id}", { params: { path: { id } } }));
              onDeleted(id);
            }}
          />
        )}
      </div>
    </div>
  );
}
