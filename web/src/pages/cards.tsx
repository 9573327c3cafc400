import { useState } from "preact/hooks";
import { api, must, type Profile } from "../api";
import { saveBlob } from "../lib/download";
import { initials } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { qrPng } from "../lib/qr";
import { useSession } from "../session";
import { ConfirmButton } from "../ui/actions";
import { Empty, ErrorNote, Loading, useAnnounce } from "../ui/feedback";
import { SidePanel } from "../ui/panel";
import { CardForm } from "./card-form";

/** The card's QR code (its /q address), with downloads as SVG (as the API draws it) and as PNG (drawn from it here). */
function QrCode({ profile }: { profile: Profile }) {
  const path = { id: profile.id };
  // Loaded again when the handle changes: the code encodes the current one.
  const svg = useLoad(
    () => must(api.GET("/v1/profiles/{id}/qr.svg", { params: { path }, parseAs: "text", cache: "no-store" })),
    [profile.id, profile.handle],
  );
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();
  const name = `${profile.handle}-qr`;
  const download = (make: (svg: string) => Promise<Blob> | Blob, extension: string) => async () => {
    setError(null);
    try {
      saveBlob(await make(svg.data!), `${name}.${extension}`);
      announce(`Downloaded ${name}.${extension}`);
    } catch (failure) {
      setError(failure);
    }
  };
  if (svg.error) return <ErrorNote error={svg.error} />;
  if (!svg.data) return <Loading label="Drawing the QR code…" />;
  return (
    <div class="qr">
      <img
        class="qr-image"
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.data)}`}
        alt={`QR code leading to the card @${profile.handle}`}
        width={160}
        height={160}
      />
      <div class="qr-actions">
        <button type="button" class="button" onClick={download((text) => new Blob([text], { type: "image/svg+xml" }), "svg")}>
          Download SVG
        </button>
        <button type="button" class="button" onClick={download(qrPng, "png")}>
          Download PNG
        </button>
        <ErrorNote error={error} />
      </div>
    </div>
  );
}

/** What a visitor sees, in short (the photo is left out: the console loads nothing from elsewhere), and the real page. */
function CardPreview({ profile }: { profile: Profile }) {
  const line = [profile.title, profile.company].filter(Boolean).join(" · ");
  return (
    <section class="card-preview" aria-labelledby="card-preview-title">
      <h3 id="card-preview-title">Preview</h3>
      <div class="card-preview-face">
        <span class="avatar avatar-large" aria-hidden="true">
          {initials(profile.name)}
        </span>
        <p class="card-preview-name">{profile.name}</p>
        {line && <p class="muted">{line}</p>}
        {profile.location && <p class="muted">{profile.location}</p>}
        {profile.bio && <p class="card-preview-bio">{profile.bio}</p>}
        <p class="muted">{profile.lead_capture === "on" ? "With the form to share details" : "Without the lead form"}</p>
      </div>
      {profile.public ? (
        <p>
          <a href={`/p/${profile.handle}`} target="_blank" rel="noopener">
            Open the public card<span class="visually-hidden"> (new tab)</span>
          </a>{" "}
          <span class="hint">A visit there is counted as a scan.</span>
        </p>
      ) : (
        <p class="muted">Private: its public page and QR code answer “not found” until it is made public.</p>
      )}
    </section>
  );
}

/** One card: its preview, QR code, fields (editable with contacts:write) and delete. */
function CardDetail({ profile, onChanged, onDeleted }: { profile: Profile; onChanged: (p: Profile) => void; onDeleted: () => void }) {
  const { can } = useSession();
  const editable = can("contacts:write");
  return (
    <div class="detail">
      <CardPreview profile={profile} />
      <section class="detail-section" aria-labelledby="qr-title">
        <h3 id="qr-title">QR code</h3>
        <QrCode profile={profile} />
      </section>
      <section class="detail-section" aria-labelledby="fields-title">
        <h3 id="fields-title">Fields</h3>
        <CardForm key={profile.id} profile={profile} editable={editable} onSaved={onChanged} />
      </section>
      {editable && (
        <div class="detail-actions">
          <ConfirmButton
            label="Delete card"
            question={`Delete @${profile.handle}? Its scans and counts go with it and its QR codes stop working; contacts saved from it stay.`}
            confirmLabel="Delete"
            onConfirm={async () => {
              await must(api.DELETE("/v1/profiles/{id}", { params: { path: { id: profile.id } } }));
              onDeleted();
            }}
          />
        </div>
      )}
    </div>
  );
}

function CardRow({ profile, onOpen }: { profile: Profile; onOpen: () => void }) {
  return (
    <li class="contact-row">
      <span class="avatar" aria-hidden="true">
        {initials(profile.name)}
      </span>
      <span class="contact-main">
        <button type="button" class="link-button" onClick={onOpen}>
          {profile.name}
        </button>
        <span class="muted">@{profile.handle}</span>
      </span>
      <span class="contact-meta">
        <span class={`stage${profile.public ? "" : " stage-private"}`}>{profile.public ? "Public" : "Private"}</span>
        <span class="stage">Lead capture {profile.lead_capture}</span>
      </span>
    </li>
  );
}

/** Cards: the workspace's public business cards; create, edit, preview, QR codes, delete. */
export function CardsPage() {
  const { can } = useSession();
  const cards = useLoad(() => must(api.GET("/v1/profiles", { params: { query: { limit: 100 } } })), []);
  const [open, setOpen] = useState<Profile | null>(null);
  const [creating, setCreating] = useState(false);
  const announce = useAnnounce();
  const list = cards.data?.data ?? [];
  const changed = (profile: Profile) => {
    setOpen(profile);
    cards.reload();
  };

  return (
    <section aria-labelledby="cards-title">
      <div class="page-header">
        <h1 id="cards-title">Cards</h1>
        {can("contacts:write") && (
          <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
            New card
          </button>
        )}
      </div>
      <ErrorNote error={cards.error} />
      {cards.loading && !cards.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty>No card yet. A card is a public page with a QR code: people who scan it can save you as a contact.</Empty>
      ) : (
        <ul class="contact-list" aria-label="Cards">
          {list.map((profile) => (
            <CardRow key={profile.id} profile={profile} onOpen={() => setOpen(profile)} />
          ))}
        </ul>
      )}
      {open && (
        <SidePanel title={open.name} onClose={() => setOpen(null)}>
          <CardDetail
            profile={open}
            onChanged={changed}
            onDeleted={() => {
              announce(`Deleted @${open.handle}`);
              setOpen(null);
              cards.reload();
            }}
          />
        </SidePanel>
      )}
      {creating && (
        <SidePanel title="New card" onClose={() => setCreating(false)}>
          <CardForm
            editable
            onSaved={(profile) => {
              setCreating(false);
              changed(profile);
            }}
          />
        </SidePanel>
      )}
    </section>
  );
}
