import { useCallback, useEffect, useReducer, useRef, useState } from "preact/hooks";
import { api, must, type Profile } from "../api";
import { SOURCES } from "../lib/contacts";
import { plural } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { type LiveEvent, type LiveStatus, useLiveFeed, utcDay } from "../lib/live";
import { Empty, ErrorNote, Loading, useAnnounce } from "../ui/feedback";
import { SelectField } from "../ui/fields";
import { SidePanel } from "../ui/panel";
import { ContactDetail } from "./contact-detail";

/** The feed shows this many events, newest first; older ones drop off the end. */
const SHOWN = 100;

const DEVICES = { mobile: "Phone", tablet: "Tablet", desktop: "Computer", other: "Other device" } as const;
const VIA = { qr: "the QR code", web: "the card page" } as const;
const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live: scans and leads appear as they happen",
  reconnecting: "Reconnecting… (nothing is missed: the feed resumes where it stopped)",
  closed: "Disconnected",
};

const regionNames = new Intl.DisplayNames(undefined, { type: "region" });
const countryName = (code: string) => (code === "XX" ? "Unknown country" : (regionNames.of(code) ?? code));
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

interface Feed {
  events: LiveEvent[];
  /** Today's scans (a UTC day, as the stats count), once the stats have answered. */
  today: { day: string; scans: number } | null;
}

type FeedAction = { type: "event"; event: LiveEvent } | { type: "seed"; day: string; scans: number };

/**
 * The feed after `action`. A scan counts on its own day: one from a later day starts the count
 * again (midnight UTC passed). Scans that arrive before the stats answer are not counted, as the
 * stats already hold them.
 */
function fed(feed: Feed, action: FeedAction): Feed {
  if (action.type === "seed") return { ...feed, today: { day: action.day, scans: action.scans } };
  const { event } = action;
  const events = [event, ...feed.events].slice(0, SHOWN);
  if (event.type !== "scan" || !feed.today) return { ...feed, events };
  const day = utcDay(event.data.scanned_at);
  if (day < feed.today.day) return { ...feed, events };
  return { events, today: { day, scans: day === feed.today.day ? feed.today.scans + 1 : 1 } };
}

function TodayCount({ today, leads }: { today: Feed["today"]; leads: number }) {
  return (
    <div class="live-counts">
      <p>
        <span class="live-number">{today ? today.scans.toLocaleString() : "…"}</span>{" "}
        <span>{today?.scans === 1 ? "scan" : "scans"} today (UTC)</span>
      </p>
      <p>
        <span class="live-number">{leads.toLocaleString()}</span> <span>{leads === 1 ? "lead" : "leads"} since this page opened</span>
      </p>
    </div>
  );
}

const Time = ({ iso }: { iso: string }) => <time dateTime={iso}>{clock.format(new Date(iso))}</time>;

function FeedItem({ event, onOpen }: { event: LiveEvent; onOpen: (contact: { id: string; name: string }) => void }) {
  if (event.type === "scan") {
    const { source, country, device, scanned_at } = event.data;
    return (
      <li class="live-item">
        <span class="live-kind">Scan</span>{" "}
        <span class="live-what">
          {SOURCES[source]} · {countryName(country)} · {DEVICES[device]}
        </span>{" "}
        <Time iso={scanned_at} />
      </li>
    );
  }
  const { contact_id, name, via, captured_at } = event.data;
  return (
    <li class="live-item live-lead">
      <span class="live-kind">Lead</span>{" "}
      <span class="live-what">
        {contact_id ? (
          <button type="button" class="link-button" onClick={() => onOpen({ id: contact_id, name })}>
            {name}
          </button>
        ) : (
          <>
            {name}{" "}
            <span class="badge" title="Held past the plan's contact limit: see the held leads">
              held
            </span>
          </>
        )}{" "}
        <span class="muted">via {VIA[via]}</span>
      </span>{" "}
      <Time iso={captured_at} />
    </li>
  );
}

/** One card's feed: the stream open while it is shown, today's count, the latest events, leads read out. */
function LiveFeed({ profile }: { profile: Profile }) {
  const [feed, dispatch] = useReducer(fed, { events: [], today: null });
  const [leads, setLeads] = useState(0);
  const [open, setOpen] = useState<{ id: string; name: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const announce = useAnnounce();
  const onEvent = useCallback(
    (event: LiveEvent) => {
      dispatch({ type: "event", event });
      if (event.type !== "lead") return;
      setLeads((n) => n + 1);
      announce(`New lead: ${event.data.name}${event.data.contact_id ? "" : " (held)"}`);
    },
    [announce],
  );
  const { status, reconnect } = useLiveFeed(profile.id, onEvent);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const tryAgain = () => {
    setError(null);
    reconnect();
    // The button goes away with the closed state: the focus waits on the status it changes.
    statusLine.current?.focus();
  };

  // Seeded once the stream is open, so a scan counted from then on is either in the stats or on the stream.
  const seeded = feed.today !== null;
  useEffect(() => {
    if (status !== "live" || seeded) return;
    const day = utcDay();
    must(api.GET("/v1/profiles/{id}/stats", { params: { path: { id: profile.id }, query: { from: day, to: day } } })).then(
      (stats) => dispatch({ type: "seed", day, scans: stats.by_day[0]?.total ?? 0 }),
      setError,
    );
  }, [status, seeded, profile.id]);
  useEffect(() => {
    // EventSource does not say why it was refused: asking for the card does (the session ended → sign-in; deleted → 404).
    if (status === "closed") must(api.GET("/v1/profiles/{id}", { params: { path: { id: profile.id } } })).catch(setError);
  }, [status, profile.id]);

  return (
    <>
      <div class="live-status-row">
        <p class={`live-status live-status-${status}`} role="status" ref={statusLine} tabIndex={-1}>
          {STATUS_TEXT[status]}
        </p>
        {status === "closed" && (
          <button type="button" class="button" onClick={tryAgain}>
            Reconnect
          </button>
        )}
      </div>
      <ErrorNote error={error} />
      <TodayCount today={feed.today} leads={leads} />
      {feed.events.length === 0 ? (
        <Empty>Nothing yet: the scans of @{profile.handle} and the leads it brings appear here as they happen.</Empty>
      ) : (
        <ol class="live-feed" aria-label={`Latest ${plural(feed.events.length, "event")}, newest first`}>
          {feed.events.map((event) => (
            <FeedItem key={event.id} event={event} onOpen={setOpen} />
          ))}
        </ol>
      )}
      {open && (
        <SidePanel title={open.name} onClose={() => setOpen(null)}>
          <ContactDetail id={open.id} onChanged={() => {}} onDeleted={() => setOpen(null)} />
        </SidePanel>
      )}
    </>
  );
}

/** Live: a card's booth feed, its scans and leads appearing as they happen (Server-Sent Events). */
export function LivePage() {
  const profiles = useLoad(() => must(api.GET("/v1/profiles", { params: { query: { limit: 100 } } })), []);
  const [profileId, setProfileId] = useState("");
  const list = profiles.data?.data ?? [];
  const profile = list.find((p) => p.id === profileId);
  useEffect(() => {
    if (!profileId && list[0]) setProfileId(list[0].id);
  }, [list, profileId]);

  return (
    <section aria-labelledby="live-title" class="live">
      <div class="page-header">
        <h1 id="live-title">Live</h1>
      </div>
      <ErrorNote error={profiles.error} />
      {profiles.loading && !profiles.data ? (
        <Loading />
      ) : list.length === 0 ? (
        <Empty>No card yet: a card's scans and leads appear here as they happen.</Empty>
      ) : (
        <div class="card-box">
          {list.length > 1 && (
            <SelectField
              label="Card"
              value={profileId}
              onValue={setProfileId}
              choices={list.map((p) => ({ value: p.id, label: `${p.name} (@${p.handle})` }))}
            />
          )}
          {profile && (
            <>
              <h2>
                {profile.name} <span class="muted">@{profile.handle}</span>
              </h2>
              <LiveFeed key={profile.id} profile={profile} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
