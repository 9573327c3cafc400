import { useEffect, useId, useRef, useState } from "preact/hooks";
import { api, must } from "../api";
import { NO_FILTERS } from "../lib/contacts";
import { formatDateTime, plural } from "../lib/format";
import { useLoad, useSubmit } from "../lib/hooks";
import { type Import, isFinished, rowsIn } from "../lib/imports";
import { Empty, ErrorNote, Loading } from "../ui/feedback";
import { SelectField, TextField } from "../ui/fields";
import { ProgressBar } from "../ui/progress";
import { ExportButtons } from "./export-buttons";

const POLL_MS = 500;
const MODES = [
  { value: "create", label: "New contacts (duplicates skipped)" },
  { value: "upsert", label: "New or updated (matched by email, then phone)" },
];

/** The import, asked for again every half second until it is done or failed (then `onFinished`). */
function useImportStatus(id: string, first: Import | undefined, onFinished: () => void) {
  const [imp, setImp] = useState(first);
  const [error, setError] = useState<unknown>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await must(api.GET("/v1/imports/{id}", { params: { path: { id } } }));
        if (stopped) return;
        setImp(next);
        setError(null);
        if (isFinished(next)) finished.current();
        else timer = setTimeout(poll, POLL_MS);
      } catch (failure) {
        // A lost answer is shown and asked again, more slowly.
        if (stopped) return;
        setError(failure);
        timer = setTimeout(poll, POLL_MS * 4);
      }
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);
  return { imp, error };
}

function progressText(imp: Import, total: number | undefined) {
  const of = total === undefined ? "" : ` of ${total.toLocaleString()}`;
  switch (imp.status) {
    case "queued":
      return total === undefined ? "Waiting to start" : `Waiting to start: ${plural(total, "row")}`;
    case "running":
      return `${imp.rows.toLocaleString()}${of} rows`;
    case "done":
      return `Done: ${plural(imp.rows, "row")}`;
    case "failed":
      return `Stopped after ${plural(imp.rows, "row")}`;
  }
}

/** The per-row report: what each row became, the rows that failed and why, and the columns no field took. */
function ImportReport({ imp }: { imp: Import }) {
  const counts = [
    ["Rows read", imp.rows],
    ["Created", imp.created],
    ["Updated", imp.updated],
    ["Skipped", imp.skipped],
    ["Failed", imp.failed],
  ] as const;
  return (
    <section aria-labelledby="report-title" class="report">
      <h3 id="report-title">Report</h3>
      <dl class="report-counts">
        {counts.map(([label, n]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{n.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      {imp.skipped > 0 && <p class="hint">Skipped rows are blank{imp.mode === "create" ? ", or duplicate a contact" : ""}.</p>}
      {imp.ignored_fields.length > 0 && (
        <p>
          Columns no contact field takes (not imported): <span class="muted">{imp.ignored_fields.join(", ")}</span>
        </p>
      )}
      {imp.errors.length > 0 && (
        <div class="table-wrap">
          <table class="data-table">
            <caption>Problems{imp.errors.length < imp.failed + imp.skipped ? ` (the first ${imp.errors.length})` : ""}</caption>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {imp.errors.map((e) => (
                <tr key={`${e.row}-${e.field}`}>
                  <th scope="row" data-label="Row">
                    {e.row}
                  </th>
                  <td data-label="Field">{e.field ?? "—"}</td>
                  <td data-label="Problem">
                    {e.error} <span class="muted">({e.code})</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** An import as it goes: a progress bar over the file's rows (`total`, when the console counted them), then its report. */
function ImportStatus({ id, first, total, onFinished }: { id: string; first?: Import; total?: number; onFinished: () => void }) {
  const { imp, error } = useImportStatus(id, first, onFinished);
  if (!imp) return error ? <ErrorNote error={error} /> : <Loading />;
  const finished = isFinished(imp);
  const max = Math.max(total ?? 0, imp.rows);
  return (
    <div class="import-status">
      <p>
        <strong>{imp.format === "vcard" ? "vCard file" : "CSV file"}</strong>{" "}
        <span class="muted">
          {formatDateTime(imp.created_at)} · {imp.mode === "upsert" ? "add or update" : "add new"}
          {imp.tags.length > 0 && ` · tagged ${imp.tags.join(", ")}`}
        </span>
      </p>
      <ProgressBar
        label="Import progress"
        value={finished ? imp.rows : total === undefined ? undefined : Math.min(imp.rows, max)}
        max={finished ? imp.rows : max}
        text={progressText(imp, total)}
      />
      <ErrorNote error={error} />
      {finished && <ImportReport imp={imp} />}
    </div>
  );
}

interface Shown {
  imp: Import;
  /** The file's name and its rows, as the console counted them: known for a file sent from here. */
  file?: { name: string; rows: number };
}

/** The file to import, how (create or upsert) and the tags every contact gets. */
function ImportForm({ onStarted }: { onStarted: (started: Shown) => void }) {
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState("create");
  const [tags, setTags] = useState("");
  const { submit, error, busy } = useSubmit(async () => {
    if (!file) return;
    const rows = rowsIn(file, await file.text());
    const form = new FormData();
    form.append("file", file);
    const tagList = tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean)
      .join(",");
    const imp = await must(
      api.POST("/v1/imports", {
        params: { query: { mode: mode as Import["mode"], ...(tagList ? { tags: tagList } : {}) } },
        // The form as the browser sends it (multipart, the file's name telling its format); the
        // document types the part as text, which a FormData is not.
        body: form as unknown as { file: string },
      }),
    );
    onStarted({ imp, file: { name: file.name, rows } });
  });
  return (
    <form onSubmit={submit} class="card-box" aria-labelledby="import-title">
      <h2 id="import-title">Import contacts</h2>
      <div class="field">
        <label for={fileId}>CSV or vCard file</label>
        <input
          id={fileId}
          type="file"
          accept=".csv,.vcf,.vcard,text/csv,text/vcard"
          onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          aria-describedby={`${fileId}-hint`}
          required
        />
        <p class="hint" id={`${fileId}-hint`}>
          A CSV with a header row (the export's columns, or other tools' such as “First Name”, “E-mail Address”) or a vCard file; up to 20
          MB.
        </p>
      </div>
      <SelectField label="Rows become" value={mode} onValue={setMode} choices={MODES} />
      <TextField label="Tags for every imported contact" value={tags} onValue={setTags} hint="Comma-separated, e.g. conf-2026" />
      <ErrorNote error={error} />
      <button type="submit" class="button button-primary" disabled={!file || busy}>
        {busy ? "Uploading…" : "Import"}
      </button>
    </form>
  );
}

/** The workspace's imports, newest first, each opening its report. */
function RecentImports({ imports, onOpen }: { imports: Import[]; onOpen: (imp: Import) => void }) {
  return (
    <ul class="contact-list" aria-label="Recent imports">
      {imports.map((imp) => (
        <li key={imp.id} class="contact-row import-row">
          <button type="button" class="link-button" onClick={() => onOpen(imp)}>
            {formatDateTime(imp.created_at)}
          </button>
          <span class="muted">
            {imp.format === "vcard" ? "vCard" : "CSV"} · {imp.status} · {plural(imp.rows, "row")}: {imp.created.toLocaleString()} created,{" "}
            {imp.updated.toLocaleString()} updated, {imp.failed.toLocaleString()} failed
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Imports and exports: upload a file and follow it to its report; the past imports; export every contact. */
export function ImportsPage() {
  const recent = useLoad(() => must(api.GET("/v1/imports", { params: { query: { limit: 20 } } })), []);
  const [current, setCurrent] = useState<Shown | null>(null);
  return (
    <section aria-labelledby="imports-title">
      <div class="page-header">
        <h1 id="imports-title">Imports and exports</h1>
      </div>
      <ImportForm
        onStarted={(started) => {
          setCurrent(started);
          recent.reload();
        }}
      />
      {current && (
        <section class="card-box" aria-labelledby="current-title">
          <h2 id="current-title">{current.file?.name ?? "Import"}</h2>
          <ImportStatus
            key={current.imp.id}
            id={current.imp.id}
            first={current.imp}
            total={current.file?.rows}
            onFinished={recent.reload}
          />
        </section>
      )}
      <section class="card-box" aria-labelledby="recent-title">
        <h2 id="recent-title">Recent imports</h2>
        <ErrorNote error={recent.error} />
        {recent.loading && !recent.data ? (
          <Loading />
        ) : (recent.data?.data ?? []).length === 0 ? (
          <Empty>No import yet.</Empty>
        ) : (
          <RecentImports imports={recent.data!.data} onOpen={(imp) => setCurrent({ imp })} />
        )}
      </section>
      <section class="card-box" aria-labelledby="export-title">
        <h2 id="export-title">Export</h2>
        <p class="muted">
          Every contact, as CSV (the columns an import reads back) or vCard. To export some, filter the Contacts page and export there.
        </p>
        <div class="detail-actions">
          <ExportButtons filters={NO_FILTERS} action="Export all as" />
        </div>
      </section>
    </section>
  );
}
