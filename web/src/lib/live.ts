import { useEffect, useRef, useState } from "preact/hooks";
import type { Schemas } from "../api";

/**
 * A card's live feed (`GET /v1/profiles/{id}/live`, Server-Sent Events) followed with the
 * browser's own EventSource: same origin, so the session cookie goes with it. The OpenAPI document
 * types the stream as text, so its two events are typed here, as docs/api.md describes them.
 */

/** A counted scan: what a scan is, without its ids and referrer. */
export type LiveScan = Pick<Schemas["Scan"], "source" | "country" | "device" | "scanned_at">;

export interface LiveLead {
  /** Null when the lead is held past the plan's contact limit. */
  contact_id: string | null;
  held_lead_id?: string;
  name: string;
  via: "qr" | "web";
  captured_at: string;
}

/** One event as it came, with its `id:` (increasing per profile). */
export type LiveEvent = { id: string; type: "scan"; data: LiveScan } | { id: string; type: "lead"; data: LiveLead };

/** `closed`: the server refused the stream (the session ended, the card was deleted); EventSource does not retry that. */
export type LiveStatus = "connecting" | "live" | "reconnecting" | "closed";

/**
 * Follows `profileId`'s feed while the component is shown, calling `onEvent` for each event, and
 * closes the stream when it is not. `reconnect` opens a closed feed again, resuming after the last
 * event seen (`?last_event_id=`, as the EventSource's own `Last-Event-ID` does on its retries).
 */
export function useLiveFeed(profileId: string, onEvent: (event: LiveEvent) => void) {
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const [round, setRound] = useState(0);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const lastId = useRef<string | null>(null);

  useEffect(() => {
    const url = new URL(`/v1/profiles/${encodeURIComponent(profileId)}/live`, location.origin);
    if (lastId.current) url.searchParams.set("last_event_id", lastId.current);
    const source = new EventSource(url);
    setStatus("connecting");
    source.onopen = () => setStatus("live");
    source.onerror = () => setStatus(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    const listen = (type: LiveEvent["type"]) =>
      source.addEventListener(type, (message) => {
        lastId.current = message.lastEventId;
        handler.current({ id: message.lastEventId, type, data: JSON.parse(message.data) } as LiveEvent);
      });
    listen("scan");
    listen("lead");
    return () => source.close();
  }, [profileId, round]);

  return { status, reconnect: () => setRound((r) => r + 1) };
}

/** Today as the API's stats count days: a UTC date, YYYY-MM-DD. */
export const utcDay = (iso: string | Date = new Date()) => new Date(iso).toISOString().slice(0, 10);
