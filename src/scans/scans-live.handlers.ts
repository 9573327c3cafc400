import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { AppRouteHandler } from "../keys/app-env";
import { notFound } from "../lib/errors";
import { requireOwnProfile } from "../profiles/profiles.data";
import { closeQuietly, type LiveEvent } from "./live-feed";
import { openLiveFeed } from "./scan-counter";
import type * as routes from "./scans-live.routes";

/** Settings of the live streams, for tests; the defaults are what the document promises. */
interface LiveSettings {
  /** How often a heartbeat goes down the stream (25 s). */
  LIVE_HEARTBEAT_MS?: string;
  /** How long a stream lasts before the client is sent to reconnect, its key checked again (an hour). */
  LIVE_MAX_MS?: string;
}

/** How long an EventSource waits before it reconnects. */
const RETRY_MS = 3000;

export const live: AppRouteHandler<typeof routes.live> = async (c) => {
  const profile = await requireOwnProfile(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id);
  const lastEventId = c.req.valid("header")["last-event-id"] ?? c.req.valid("query").last_event_id ?? null;
  const socket = await openLiveFeed(c.env, profile.id, lastEventId);
  // Deleted since it was read.
  if (!socket) throw notFound("Profile");
  const settings = c.env as LiveSettings;
  return streamSSE(c, (stream) =>
    relay(socket, stream, {
      heartbeatMs: Number(settings.LIVE_HEARTBEAT_MS) || 25_000,
      maxMs: Number(settings.LIVE_MAX_MS) || 3_600_000,
    }),
  );
};

/**
 * Turns the feed's socket into the client's event stream until one of them ends (or the stream's
 * time is up), then closes both. The heartbeat is a ping the object's runtime answers without
 * waking the object: the comment goes down the stream when the pong comes back, so a heartbeat
 * says the whole way to the object is live, and a ping left unanswered ends the stream (the client
 * reconnects and resumes).
 */
function relay(socket: WebSocket, stream: SSEStreamingApi, { heartbeatMs, maxMs }: { heartbeatMs: number; maxMs: number }) {
  void stream.write(`retry: ${RETRY_MS}\n\n`);
  return new Promise<void>((ended) => {
    let awaitingPong = false;
    const end = () => {
      clearInterval(heartbeat);
      clearTimeout(expiry);
      closeQuietly(socket);
      ended();
    };
    const heartbeat = setInterval(() => {
      if (awaitingPong) return end();
      awaitingPong = true;
      try {
        socket.send("ping");
      } catch {
        end();
      }
    }, heartbeatMs);
    const expiry = setTimeout(end, maxMs);
    socket.accept();
    socket.addEventListener("message", ({ data }) => {
      if (data === "pong") {
        awaitingPong = false;
        void stream.write(": heartbeat\n\n");
        return;
      }
      const event = JSON.parse(data as string) as LiveEvent;
      void stream.writeSSE({ id: String(event.id), event: event.event, data: JSON.stringify(event.data) });
    });
    socket.addEventListener("close", end);
    socket.addEventListener("error", end);
    stream.onAbort(end);
  });
}
