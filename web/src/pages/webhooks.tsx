import { useState } from "preact/hooks";
import { api, must, type Schemas, type Webhook } from "../api";
import { formatDateTime } from "../lib/format";
import { toggled, useLoad, useSubmit } from "../lib/hooks";
import { ConfirmButton, ShownOnce } from "../ui/actions";
import { Empty, ErrorNote, Loading, useAnnounce } from "../ui/feedback";
import { Checkbox, TextField } from "../ui/fields";
import { SidePanel } from "../ui/panel";

type WebhookEvent = Schemas["WebhookCreate"]["events"][number];
/** Every event a webhook can take, keyed by the document's own list, so a new event type cannot be left out. */
const EVENT_CHOICES: Record<WebhookEvent, true> = {
  "*": true,
  "contact.created": true,
  "contact.updated": true,
  "contact.deleted": true,
  "contact.merged": true,
  "contact.tags_added": true,
  "contact.tags_removed": true,
  "scan.recorded": true,
  "lead.captured": true,
  "contact.limit_reached": true,
};
const EVENTS = Object.keys(EVENT_CHOICES) as WebhookEvent[];

function NewWebhookForm({ onCreated }: { onCreated: (secret: string) => void }) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<WebhookEvent[]>(["*"]);
  const { submit, error } = useSubmit(async () => {
    onCreated((await must(api.POST("/v1/webhooks", { body: { url: url.trim(), events } }))).secret);
    setUrl("");
  });
  const toggle = (event: WebhookEvent) => (on: boolean) => setEvents((current) => toggled(current, event, on));
  return (
    <form onSubmit={submit} class="card-box" aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">New webhook</h2>
      <TextField label="URL" type="url" value={url} onValue={setUrl} required placeholder="https://crm.example/hooks/cardbox" />
      <fieldset>
        <legend>Events</legend>
        {EVENTS.map((event) => (
          <Checkbox key={event} label={event === "*" ? "Every event" : event} checked={events.includes(event)} onChecked={toggle(event)} />
        ))}
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit" class="button button-primary" disabled={!url.trim() || events.length === 0}>
        Create webhook
      </button>
    </form>
  );
}

/** A webhook's delivery log, newest first, with a test event and a retry for each delivery. */
function Deliveries({ webhook }: { webhook: Webhook }) {
  const path = { id: webhook.id };
  const log = useLoad(() => must(api.GET("/v1/webhooks/{id}/deliveries", { params: { path, query: { limit: 50 } } })), [webhook.id]);
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();
  const act = (run: () => Promise<unknown>, done: string) => async () => {
    setError(null);
    try {
      await run();
      announce(done);
      log.reload();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <div class="detail">
      <p>
        <code>{webhook.url}</code>
      </p>
      <p class="muted">Events: {webhook.events.join(", ")}</p>
      {webhook.disabled_reason && <p class="error-note">Disabled: {webhook.disabled_reason}</p>}
      <div class="detail-actions">
        <button
          type="button"
          class="button"
          onClick={act(() => must(api.POST("/v1/webhooks/{id}/test", { params: { path } })), "Test event sent")}
        >
          Send a test event
        </button>
        <button type="button" class="button button-quiet" onClick={log.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={error ?? log.error} />
      <h3>Deliveries</h3>
      {log.loading && !log.data ? (
        <Loading />
      ) : (log.data?.data ?? []).length === 0 ? (
        <Empty>No delivery yet.</Empty>
      ) : (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Duration</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {log.data!.data.map((d) => (
                <tr key={d.id}>
                  <th scope="row">
                    {d.event_type} <span class="muted">#{d.attempt}</span>
                  </th>
                  <td data-label="Status">{d.status ?? d.error ?? "—"}</td>
                  <td data-label="Duration">{d.duration_ms} ms</td>
                  <td data-label="When">{formatDateTime(d.attempted_at)}</td>
                  <td>
                    <button
                      type="button"
                      class="button button-quiet"
                      onClick={act(
                        () =>
                          must(
                            api.POST("/v1/webhooks/{id}/deliveries/{delivery_id}/retry", {
                              params: { path: { id: webhook.id, delivery_id: d.id } },
                            }),
                          ),
                        "Retry queued",
                      )}
                    >
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** Webhooks: the list, a new one (its secret shown once), each one's delivery log, delete. */
export function WebhooksPage() {
  const hooks = useLoad(() => must(api.GET("/v1/webhooks", { params: { query: { limit: 100 } } })), []);
  const [secret, setSecret] = useState<string>();
  const [open, setOpen] = useState<Webhook | null>(null);
  const remove = (hook: Webhook) => async () => {
    await must(api.DELETE("/v1/webhooks/{id}", { params: { path: { id: hook.id } } }));
    hooks.reload();
  };
  return (
    <section aria-labelledby="webhooks-title">
      <div class="page-header">
        <h1 id="webhooks-title">Webhooks</h1>
      </div>
      {secret && <ShownOnce title="The webhook's signing secret" value={secret} onDone={() => setSecret(undefined)} />}
      <ErrorNote error={hooks.error} />
      {hooks.loading && !hooks.data ? (
        <Loading />
      ) : (hooks.data?.data ?? []).length === 0 ? (
        <Empty>No webhook yet.</Empty>
      ) : (
        <ul class="webhook-list" aria-label="Webhooks">
          {hooks.data!.data.map((hook) => (
            <li key={hook.id} class="webhook-row">
              <button type="button" class="link-button" onClick={() => setOpen(hook)}>
                {hook.url}
              </button>
              <span class="muted">{hook.enabled ? "Enabled" : "Disabled"}</span>
              <ConfirmButton
                label="Delete"
                question={`Delete the webhook to ${hook.url}?`}
                confirmLabel="Delete"
                onConfirm={remove(hook)}
              />
            </li>
          ))}
        </ul>
      )}
      <NewWebhookForm
        onCreated={(s) => {
          setSecret(s);
          hooks.reload();
        }}
      />
      {open && (
        <SidePanel title="Webhook" onClose={() => setOpen(null)}>
          <Deliveries webhook={open} />
        </SidePanel>
      )}
    </section>
  );
}
