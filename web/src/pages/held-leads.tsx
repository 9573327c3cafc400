import { useState } from "preact/hooks";
import { ApiFailure, api, type Contact, must, type Schemas } from "../api";
import { formatDateTime, plural } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { useSession } from "../session";
import { ConfirmButton } from "../ui/actions";
import { Empty, ErrorNote, Loading, useAnnounce } from "../ui/feedback";

type HeldLead = Schemas["HeldLead"];

const PAGE_SIZE = 50;
const VIA = { qr: "after scanning the QR code", web: "on the card's page" } as const;

/** How many leads wait for room (the list's total), and a way to count again. */
export function useHeldCount() {
  const held = useLoad(() => must(api.GET("/v1/leads/held", { params: { query: { limit: 1 } } })), []);
  return { count: held.data?.pagination.total ?? 0, recount: held.reload };
}

/** Over the contacts list while some leads wait: how many, and the button that opens them. */
export function HeldLeadsNotice({ count, onOpen }: { count: number; onOpen: () => void }) {
  if (count === 0) return null;
  return (
    <div class="notice held-notice">
      <p>
        {count === 1 ? "1 lead is held" : `${count.toLocaleString()} leads are held`}: they were shared on a card while the plan's contact
        limit was reached. Nothing is lost; they wait for room.
      </p>
      <button type="button" class="button" onClick={onOpen}>
        Review held leads
      </button>
    </div>
  );
}

/** The plan's room, which says whether a release can succeed now. */
function Room() {
  const limits = useLoad(() => must(api.GET("/v1/contacts/limits")), []);
  if (!limits.data) return null;
  const { plan, limit, used, remaining } = limits.data;
  if (limit === null) return <p class="muted">The {plan} plan has no contact limit: each lead can be saved now.</p>;
  return (
    <p class="muted">
      {used.toLocaleString()} of {limit.toLocaleString()} contacts used on the {plan} plan:{" "}
      {remaining ? `room for ${plural(remaining, "more lead")}.` : "no room now. Delete contacts or move to a bigger plan first."} Once
      there is room, held leads are also saved by themselves within a minute, oldest first.
    </p>
  );
}

/** Why a release failed, in words that say what to do: a full plan is the usual reason. */
function ReleaseError({ error }: { error: unknown }) {
  if (!(error instanceof ApiFailure) || error.body?.code !== "contact_limit_reached") return <ErrorNote error={error} />;
  return (
    <p class="error-note" role="alert">
      Not saved: {error.message}. The lead stays held. Make room (delete contacts or move to a bigger plan), then release it again.
    </p>
  );
}

function HeldLeadRow({
  held,
  cardName,
  editable,
  onReleased,
  onDiscarded,
}: {
  held: HeldLead;
  cardName: string | undefined;
  editable: boolean;
  onReleased: (contact: Contact, outcome: "created" | "updated") => void;
  onDiscarded: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const path = { id: held.id };
  const { lead } = held;
  const release = async () => {
    setBusy(true);
    setError(null);
    try {
      const { contact, outcome } = await must(api.POST("/v1/leads/held/{id}/release", { params: { path } }));
      onReleased(contact, outcome);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="held-row" aria-labelledby={`held-${held.id}`}>
      <p class="held-name" id={`held-${held.id}`}>
        {lead.name}
      </p>
      <p class="muted">{[lead.job_title, lead.company, lead.email, lead.phone].filter(Boolean).join(" · ") || "No other detail"}</p>
      {lead.note && <p class="held-note">“{lead.note}”</p>}
      <p class="muted">
        Shared {VIA[lead.via]}
        {cardName ? ` of ${cardName}` : ""}, {formatDateTime(held.created_at)}
      </p>
      {editable && (
        <div class="detail-actions">
          <button type="button" class="button button-primary" disabled={busy} onClick={release}>
            {busy ? "Releasing…" : "Release"}
            <span class="visually-hidden"> {lead.name}</span>
          </button>
          <ConfirmButton
            label={
              <>
                Discard<span class="visually-hidden"> {lead.name}</span>
              </>
            }
            question={`Discard ${lead.name}'s details for good?`}
            confirmLabel="Discard"
            onConfirm={async () => {
              await must(api.DELETE("/v1/leads/held/{id}", { params: { path } }));
              onDiscarded();
            }}
          />
        </div>
      )}
      {error ? <ReleaseError error={error} /> : null}
    </li>
  );
}

/**
 * The held leads, newest first, a page at a time: each one's details, and (with contacts:write)
 * Release, which saves it as its form would have, or Discard, asked twice.
 */
export function HeldLeads({ onChanged }: { onChanged: (released?: Contact) => void }) {
  const { can } = useSession();
  const editable = can("contacts:write");
  const announce = useAnnounce();
  const [cursor, setCursor] = useState<string | null>(null);
  const [gone, setGone] = useState<ReadonlySet<string>>(new Set());
  const [pages, setPages] = useState<HeldLead[][]>([]);
  const page = useLoad(async () => {
    const answer = await must(
      api.GET("/v1/leads/held", { params: { query: cursor ? { cursor, limit: PAGE_SIZE } : { limit: PAGE_SIZE } } }),
    );
    setPages((loaded) => (cursor ? [...loaded, answer.data] : [answer.data]));
    return answer.pagination;
  }, [cursor]);
  const cards = useLoad(() => must(api.GET("/v1/profiles", { params: { query: { limit: 100 } } })), []);
  const cardName = (id: string) => cards.data?.data.find((p) => p.id === id)?.name;
  const rows = pages.flat().filter((held) => !gone.has(held.id));
  const drop = (held: HeldLead) => setGone((ids) => new Set(ids).add(held.id));

  return (
    <div class="detail">
      {/* Counted again after each release or discard. */}
      <Room key={gone.size} />
      {!editable && <p class="muted">This key may read them; a key with contacts:write can release or discard them.</p>}
      <ErrorNote error={page.error} />
      {page.loading && rows.length === 0 ? (
        <Loading />
      ) : rows.length === 0 ? (
        <Empty>No lead is held.</Empty>
      ) : (
        <ul class="held-list" aria-label="Held leads">
          {rows.map((held) => (
            <HeldLeadRow
              key={held.id}
              held={held}
              cardName={cardName(held.profile_id)}
              editable={editable}
              onReleased={(contact, outcome) => {
                drop(held);
                announce(
                  outcome === "created"
                    ? `Saved ${held.lead.name} as a new contact`
                    : `Added ${held.lead.name}'s details to ${contact.name ?? "a contact"}`,
                );
                onChanged(contact);
              }}
              onDiscarded={() => {
                drop(held);
                announce(`Discarded ${held.lead.name}`);
                onChanged();
              }}
            />
          ))}
        </ul>
      )}
      {page.data?.next_cursor && (
        <button type="button" class="button" disabled={page.loading} onClick={() => setCursor(page.data!.next_cursor)}>
          Show more
        </button>
      )}
    </div>
  );
}
