import { useState } from "preact/hooks";
import { type ApiKey, api, must, type Permission } from "../api";
import { formatDateTime } from "../lib/format";
import { toggled, useLoad, useSubmit } from "../lib/hooks";
import { useSession } from "../session";
import { ConfirmButton, ShownOnce } from "../ui/actions";
import { ErrorNote, Loading, useAnnounce } from "../ui/feedback";
import { Checkbox, TextField } from "../ui/fields";

export const PERMISSIONS: Record<Permission, string> = {
  "contacts:read": "Read contacts",
  "contacts:write": "Write contacts",
  "webhooks:manage": "Manage webhooks",
  "keys:manage": "Manage API keys",
};

function NewKeyForm({ onCreated }: { onCreated: (key: string) => void }) {
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<Permission[]>(["contacts:read"]);
  const { submit, error } = useSubmit(async () => {
    onCreated((await must(api.POST("/v1/api-keys", { body: { name: name.trim(), permissions } }))).key);
    setName("");
  });
  const toggle = (permission: Permission) => (on: boolean) => setPermissions((current) => toggled(current, permission, on));
  return (
    <form onSubmit={submit} class="card-box" aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key</h2>
      <TextField label="Name" value={name} onValue={setName} required maxLength={100} />
      <fieldset>
        <legend>Permissions</legend>
        {(Object.entries(PERMISSIONS) as [Permission, string][]).map(([permission, label]) => (
          <Checkbox
            key={permission}
            label={label}
            hint={permission}
            checked={permissions.includes(permission)}
            onChecked={toggle(permission)}
          />
        ))}
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit" class="button button-primary" disabled={!name.trim() || permissions.length === 0}>
        Create key
      </button>
    </form>
  );
}

/** API keys: the workspace's keys, a new one (shown once), revoke. Revoking the console's own key signs it out. */
export function KeysPage() {
  const { session } = useSession();
  const keys = useLoad(() => must(api.GET("/v1/api-keys", { params: { query: { limit: 100 } } })), []);
  const [created, setCreated] = useState<string>();
  const announce = useAnnounce();
  const revoke = (key: ApiKey) => async () => {
    await must(api.DELETE("/v1/api-keys/{id}", { params: { path: { id: key.id } } }));
    announce(`Revoked ${key.name}`);
    keys.reload();
  };
  return (
    <section aria-labelledby="keys-title">
      <div class="page-header">
        <h1 id="keys-title">API keys</h1>
      </div>
      {created && <ShownOnce title="Your new key" value={created} onDone={() => setCreated(undefined)} />}
      <ErrorNote error={keys.error} />
      {keys.loading && !keys.data ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table class="data-table">
            <caption class="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Permissions</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(keys.data?.data ?? []).map((key) => (
                <tr key={key.id}>
                  <th scope="row">
                    {key.name} <code class="muted">{key.prefix}…</code>
                    {key.id === session.api_key.id && <span class="badge">this console</span>}
                  </th>
                  <td data-label="Permissions">{key.permissions.join(", ")}</td>
                  <td data-label="Last used">{formatDateTime(key.last_used_at)}</td>
                  <td>
                    <ConfirmButton
                      label={
                        <>
                          Revoke<span class="visually-hidden"> {key.name}</span>
                        </>
                      }
                      question={
                        key.id === session.api_key.id
                          ? "Revoke the key this console is signed in with? You will be signed out."
                          : `Revoke ${key.name}?`
                      }
                      confirmLabel="Revoke"
                      onConfirm={revoke(key)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewKeyForm
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
    </section>
  );
}
