import { useState } from "preact/hooks";
import { ApiFailure, api, must, type Profile } from "../api";
import { useSubmit } from "../lib/hooks";
import { ErrorNote, useAnnounce } from "../ui/feedback";
import { Checkbox, TextArea, TextField } from "../ui/fields";

const TEXT_FIELDS = [
  { field: "name", label: "Name", required: true },
  {
    field: "handle",
    label: "Handle",
    required: true,
    hint: "3–40 of a–z, 0–9 and -: the card's address /p/handle. A former handle keeps leading to the card, so printed QR codes never break.",
  },
  { field: "title", label: "Title" },
  { field: "company", label: "Company" },
  { field: "location", label: "Location" },
  { field: "email", label: "Email", type: "email" },
  { field: "phone", label: "Phone", type: "tel" },
  { field: "website", label: "Website", type: "url", hint: "http(s) address" },
  { field: "photo_url", label: "Photo URL", type: "url", hint: "An https image, shown on the public card" },
] as const;
type TextFieldName = (typeof TEXT_FIELDS)[number]["field"] | "bio";
const SWITCHES = [
  { field: "public", label: "Public", hint: "(a private card's page and QR code answer “not found”)" },
  { field: "leadCapture", label: "Lead capture", hint: "(visitors may share their details with you through a form on the card)" },
] as const;

interface Draft extends Record<TextFieldName, string> {
  public: boolean;
  leadCapture: boolean;
}

const EMPTY: Draft = {
  name: "",
  handle: "",
  title: "",
  company: "",
  location: "",
  email: "",
  phone: "",
  website: "",
  photo_url: "",
  bio: "",
  public: true,
  leadCapture: true,
};
const TEXT_NAMES: TextFieldName[] = [...TEXT_FIELDS.map((f) => f.field), "bio"];

const draftOf = (p: Profile): Draft => ({
  ...(Object.fromEntries(TEXT_NAMES.map((field) => [field, p[field] ?? ""])) as Record<TextFieldName, string>),
  public: p.public,
  leadCapture: p.lead_capture === "on",
});

const leadCapture = (on: boolean): Profile["lead_capture"] => (on ? "on" : "off");

/** A new card's body: the text fields filled in, trimmed, and both switches. */
function createBody(d: Draft) {
  const text = Object.fromEntries(TEXT_NAMES.filter((f) => d[f].trim()).map((f) => [f, d[f].trim()]));
  return { ...text, handle: d.handle.trim(), name: d.name.trim(), public: d.public, lead_capture: leadCapture(d.leadCapture) };
}

/** What an edit changed, a cleared field sent as null. */
function changes(p: Profile, d: Draft) {
  const patch: Record<string, string | boolean | null> = {};
  for (const field of TEXT_NAMES) if (d[field] !== (p[field] ?? "")) patch[field] = d[field].trim() || null;
  if (d.public !== p.public) patch.public = d.public;
  if (leadCapture(d.leadCapture) !== p.lead_capture) patch.lead_capture = leadCapture(d.leadCapture);
  return patch;
}

/** The message for a field: the API's validation detail, or the taken handle's conflict. */
function fieldError(error: unknown, field: string) {
  if (!(error instanceof ApiFailure)) return undefined;
  if (field === "handle" && error.status === 409) return error.message;
  return error.fieldError(field);
}

/**
 * A card's fields: empty to create one, or an existing card's to edit (only what changed is sent).
 * Without `editable` it only shows them.
 */
export function CardForm({ profile, editable, onSaved }: { profile?: Profile; editable: boolean; onSaved: (p: Profile) => void }) {
  const [draft, setDraft] = useState<Draft>(() => (profile ? draftOf(profile) : EMPTY));
  const announce = useAnnounce();
  const patch = profile ? changes(profile, draft) : {};
  const { submit, error, busy } = useSubmit(async () => {
    const saved = profile
      ? await must(api.PATCH("/v1/profiles/{id}", { params: { path: { id: profile.id } }, body: patch }))
      : await must(api.POST("/v1/profiles", { body: createBody(draft) }));
    setDraft(draftOf(saved));
    announce(profile ? "Saved" : "Card created");
    onSaved(saved);
  });
  const set = (field: keyof Draft) => (value: string | boolean) => setDraft((d) => ({ ...d, [field]: value }));
  const ready = Boolean(draft.name.trim() && draft.handle.trim()) && (!profile || Object.keys(patch).length > 0);

  return (
    <form onSubmit={submit} aria-label={profile ? "Card fields" : "New card"}>
      {TEXT_FIELDS.map((f) => (
        <TextField
          key={f.field}
          label={f.label}
          type={"type" in f ? f.type : "text"}
          value={draft[f.field]}
          onValue={set(f.field)}
          required={"required" in f}
          hint={"hint" in f ? f.hint : undefined}
          error={fieldError(error, f.field)}
          disabled={!editable}
        />
      ))}
      <TextArea label="Bio" value={draft.bio} onValue={set("bio")} maxLength={2000} disabled={!editable} error={fieldError(error, "bio")} />
      <fieldset>
        <legend>On the public card</legend>
        {SWITCHES.map((s) => (
          <Checkbox key={s.field} label={s.label} hint={s.hint} checked={draft[s.field]} onChecked={set(s.field)} disabled={!editable} />
        ))}
      </fieldset>
      <ErrorNote error={error} />
      {editable && (
        <button type="submit" class="button button-primary" disabled={!ready || busy}>
          {profile ? "Save changes" : "Create card"}
        </button>
      )}
    </form>
  );
}
