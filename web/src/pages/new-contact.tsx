import { useState } from "preact/hooks";
import { ApiFailure, api, type Contact, must } from "../api";
import { ErrorNote, useAnnounce } from "../ui/feedback";
import { TextField } from "../ui/fields";

const FIELDS = [
  { field: "name", label: "Name", type: "text" },
  { field: "email", label: "Email", type: "email" },
  { field: "phone", label: "Phone", type: "tel" },
  { field: "company", label: "Company", type: "text" },
  { field: "job_title", label: "Job title", type: "text" },
] as const;
type Field = (typeof FIELDS)[number]["field"];

/** A new contact from its name and a few fields; the rest is edited in its detail panel afterwards. */
export function NewContactForm({ onCreated }: { onCreated: (contact: Contact) => void }) {
  const [values, setValues] = useState<Record<Field, string>>({ name: "", email: "", phone: "", company: "", job_title: "" });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const announce = useAnnounce();
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = Object.fromEntries(
      Object.entries(values)
        .filter(([, v]) => v.trim() !== "")
        .map(([k, v]) => [k, v.trim()]),
    );
    try {
      const contact = await must(api.POST("/v1/contacts", { body }));
      announce("Contact created");
      onCreated(contact);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  const fieldError = (field: string) => (error instanceof ApiFailure ? error.fieldError(field) : undefined);
  return (
    <form onSubmit={submit} aria-label="New contact">
      {FIELDS.map(({ field, label, type }) => (
        <TextField
          key={field}
          label={label}
          type={type}
          value={values[field]}
          onValue={(v) => setValues({ ...values, [field]: v })}
          required={field === "name"}
          error={fieldError(field)}
        />
      ))}
      <ErrorNote error={error} />
      <button type="submit" class="button button-primary" disabled={busy || !values.name.trim()}>
        {busy ? "Creating…" : "Create contact"}
      </button>
    </form>
  );
}
