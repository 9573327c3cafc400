import { parseContact } from "../contacts/contacts.data";
import type { LeadOutcome } from "../contacts/contacts-leads.data";
import type { PendingScan } from "./scans.data";

/** What a booth's screen is told about a counted scan: coarse values only, nobody's identity. */
export interface ScanEventData {
  source: PendingScan["source"];
  country: string;
  device: PendingScan["device"];
  scanned_at: string;
}

/**
 * What it is told about a lead: who shared their details, and the contact they are now (null for a
 * lead held past the plan's limit, which carries `held_lead_id` instead).
 */
export interface LeadEventData {
  contact_id: string | null;
  held_lead_id?: string;
  name: string;
  via: "qr" | "web";
  captured_at: string;
}

export type NewLiveEvent = { event: "scan"; data: ScanEventData } | { event: "lead"; data: LeadEventData };

/** An event as the feed keeps and sends it: its id orders the profile's events, for `Last-Event-ID`. */
export type LiveEvent = NewLiveEvent & { id: number };

/** The last events kept for streams that come back (`Last-Event-ID`): the contract promises 100. */
export const LIVE_EVENTS_KEPT = 500;

/** The ring is trimmed back to `LIVE_EVENTS_KEPT` every this many events. */
const TRIM_EVERY = 100;

/** The close code of a stream whose profile was deleted. */
const PROFILE_GONE = 4404;

/** The tag of the sockets of the live streams among an object's WebSockets. */
const LIVE_TAG = "live";

export const scanEvent = (scan: PendingScan): NewLiveEvent => ({
  event: "scan",
  data: { source: scan.source, country: scan.country, device: scan.device, scanned_at: scan.scanned_at },
});

/**
 * What the feed says of a stored lead: the name as the visitor gave it (whether they were a new
 * contact, a known one, or held), and when they consented.
 */
export function leadEvent(stored: LeadOutcome, name: string, via: "qr" | "web"): LeadEventData {
  if (stored.outcome === "held") return { contact_id: null, held_lead_id: stored.heldId, name, via, captured_at: stored.consentAt };
  const contact = parseContact(stored.contact);
  return { contact_id: contact.id, name, via, captured_at: contact.consent_at! };
}

/**
 * The live feed of one profile, inside its ScanCounter: events numbered and kept in a small ring
 * table of the object's SQLite, sent to the streams open on the profile. Each stream is a
 * hibernatable WebSocket from the Worker that serves the client's Server-Sent Events: while no
 * event happens the object is not in memory at all, and the Worker's heartbeat pings are answered
 * by the runtime (`setWebSocketAutoResponse`) without waking it.
 */
export class LiveFeed {
  private readonly sql: SqlStorage;
  private hasTable: boolean | undefined;

  constructor(private readonly ctx: DurableObjectState) {
    this.sql = ctx.storage.sql;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  private tableExists(): boolean {
    this.hasTable ??= this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'live_events'").toArray().length > 0;
    return this.hasTable;
  }

  /**
   * Numbers and keeps events, forgetting all but the last `LIVE_EVENTS_KEPT`; run it in the
   * transaction of the write the events tell of. Answers them as sent.
   */
  append(events: NewLiveEvent[]): LiveEvent[] {
    if (events.length === 0) return [];
    if (!this.tableExists()) {
      this.sql.exec("CREATE TABLE live_events (id INTEGER PRIMARY KEY, event TEXT NOT NULL, data TEXT NOT NULL)");
      this.hasTable = true;
    }
    // One statement for them all; json_each reads them in order, and so their ids rise in order.
    const ids = this.sql
      .exec<{ id: number }>(
        "INSERT INTO live_events (event, data) SELECT value ->> 'event', value -> 'data' FROM json_each(?) RETURNING id",
        JSON.stringify(events),
      )
      .toArray()
      .map((row) => row.id)
      .sort((a, b) => a - b);
    const appended = events.map((event, i) => ({ ...event, id: ids[i]! }) as LiveEvent);
    const newest = appended.at(-1)!.id;
    // Trimmed each time the ids pass a multiple of TRIM_EVERY, not on every insert.
    if (Math.floor(newest / TRIM_EVERY) > Math.floor((newest - events.length) / TRIM_EVERY)) {
      this.sql.exec("DELETE FROM live_events WHERE id <= ?", newest - LIVE_EVENTS_KEPT);
    }
    return appended;
  }

  /** Sends events to every open stream. */
  broadcast(events: LiveEvent[]) {
    if (events.length === 0) return;
    for (const socket of this.ctx.getWebSockets(LIVE_TAG)) {
      for (const event of events) send(socket, event);
    }
  }

  /** Opens a stream: the events after `lastEventId` first, then each new one as it happens. */
  connect(lastEventId: number | null): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [LIVE_TAG]);
    if (lastEventId !== null && this.tableExists()) {
      const missed = this.sql.exec<{ id: number; event: string; data: string }>(
        "SELECT id, event, data FROM live_events WHERE id > ? ORDER BY id",
        lastEventId,
      );
      for (const row of missed) send(server, { id: row.id, event: row.event, data: JSON.parse(row.data) } as LiveEvent);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Ends every open stream and forgets the events: the profile is gone, and the object's storage with it. */
  clear() {
    for (const socket of this.ctx.getWebSockets(LIVE_TAG)) closeQuietly(socket, PROFILE_GONE, "profile deleted");
    this.hasTable = undefined;
  }
}

function send(socket: WebSocket, event: LiveEvent) {
  try {
    socket.send(JSON.stringify(event));
  } catch {
    // The stream closed meanwhile: its close reaches the object on its own.
  }
}

/** Closes a socket that may already be closing. */
export function closeQuietly(socket: WebSocket, code = 1000, reason = "") {
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}
