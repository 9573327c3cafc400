import { useId, useState } from "preact/hooks";
import { api, type Contact, messageOf, must } from "../api";
import { EXPORT_FORMATS, type ExportFormat, exportSelected } from "../lib/export";
import { plural } from "../lib/format";
import { settleEach } from "../lib/settle";
import { useSession } from "../session";
import { ConfirmButton } from "../ui/actions";
import { ErrorNote, useAnnounce } from "../ui/feedback";

export interface TagChange {
  id: string;
  tags: string[];
}

interface Failure {
  contact: Contact;
  error: unknown;
}

const nameOf = (c: Contact) => c.name || c.email || "(no name)";

/** Each contact with what `task` made of it, and those it failed for (with why), in the list's order. */
async function forEach<R>(contacts: readonly Contact[], task: (contact: Contact) => Promise<R>) {
  const outcomes = await settleEach(contacts, task);
  const done: { contact: Contact; value: R }[] = [];
  const failed: Failure[] = [];
  outcomes.forEach((outcome, i) => {
    const contact = contacts[i]!;
    if (outcome.status === "fulfilled") done.push({ contact, value: outcome.value });
    else failed.push({ contact, error: outcome.reason });
  });
  return { done, failed };
}

/** What a bulk action could not do, contact by contact: nothing fails unseen. */
function FailureReport({ action, failures }: { action: string; failures: readonly Failure[] }) {
  if (failures.length === 0) return null;
  return (
    <div class="error-note" role="alert">
      <p>
        {plural(failures.length, "contact")} not {action} (still selected):
      </p>
      <ul>
        {failures.map(({ contact, error }) => (
          <li key={contact.id}>
            {nameOf(contact)}: {messageOf(error)}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * What can be done to the selected contacts at once: export them (CSV or vCard), and with
 * contacts:write add a tag or delete them (asked twice). The API takes these one contact at a time;
 * each is sent on its own and whatever fails is listed and stays selected.
 */
export function BulkActions({
  selected,
  onTagged,
  onDeleted,
  onClear,
}: {
  selected: readonly Contact[];
  onTagged: (changes: TagChange[]) => void;
  onDeleted: (ids: string[]) => void;
  onClear: () => void;
}) {
  const { can } = useSession();
  const writable = can("contacts:write");
  const announce = useAnnounce();
  const [tag, setTag] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [report, setReport] = useState<{ action: string; failures: Failure[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const count = plural(selected.length, "contact");
  const tagId = useId();

  const run = async (label: string, work: () => Promise<void>) => {
    setBusy(label);
    setReport(null);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(null);
    }
  };

  const addTag = (e: Event) => {
    e.preventDefault();
    const name = tag.trim();
    if (!name) return;
    return run("tag", async () => {
      const { done, failed } = await forEach(selected, (c) =>
        must(api.POST("/v1/contacts/{id}/tags/add", { params: { path: { id: c.id } }, body: { tags: [name] } })),
      );
      onTagged(done.map(({ value }) => value));
      setReport({ action: "tagged", failures: failed });
      if (done.length > 0) announce(`Tagged ${plural(done.length, "contact")} “${name}”`);
      if (failed.length === 0) setTag("");
    });
  };

  const remove = () =>
    run("delete", async () => {
      const { done, failed } = await forEach(selected, (c) => must(api.DELETE("/v1/contacts/{id}", { params: { path: { id: c.id } } })));
      onDeleted(done.map(({ contact }) => contact.id));
      setReport({ action: "deleted", failures: failed });
      if (done.length > 0) announce(`Deleted ${plural(done.length, "contact")}`);
    });

  const exportAs = (format: ExportFormat) => () =>
    run(format, async () => {
      await exportSelected(selected, format);
      announce(`Exported ${count} as ${EXPORT_FORMATS[format]}`);
    });

  return (
    <section class="bulk-bar" aria-label="Selected contacts">
      <p class="bulk-count">
        <strong>{count} selected</strong>
        <button type="button" class="button button-quiet" onClick={onClear}>
          Clear selection
        </button>
      </p>
      <div class="bulk-actions">
        {writable && (
          <form class="input-with-button" onSubmit={addTag} aria-label="Tag the selected contacts">
            <label class="visually-hidden" for={tagId}>
              Tag for the selected contacts
            </label>
            <input id={tagId} value={tag} onInput={(e) => setTag(e.currentTarget.value)} maxLength={64} placeholder="Tag" />
            <button type="submit" class="button" disabled={!tag.trim() || busy !== null}>
              {busy === "tag" ? "Tagging…" : "Add tag"}
            </button>
          </form>
        )}
        <span class="bulk-export">
          <span aria-hidden="true">Export</span>
          {(Object.entries(EXPORT_FORMATS) as [ExportFormat, string][]).map(([format, label]) => (
            <button key={format} type="button" class="button" disabled={busy !== null} onClick={exportAs(format)}>
              <span class="visually-hidden">Export selected as </span>
              {busy === format ? "…" : label}
            </button>
          ))}
        </span>
        {writable && (
          <ConfirmButton
            label="Delete selected"
            question={`Delete ${count}? Each leaves a tombstone for 30 days; the contacts cannot be brought back.`}
            confirmLabel={`Delete ${count}`}
            disabled={busy !== null}
            onConfirm={remove}
          />
        )}
      </div>
      {report && <FailureReport action={report.action} failures={report.failures} />}
      <ErrorNote error={error} />
    </section>
  );
}
