import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { errorResponses } from "../lib/openapi";
import { idParam } from "../lib/params";
import { LIVE_EVENTS_KEPT } from "./live-feed";

/** An event id: what the stream's `id:` lines carry, and what a client sends back to resume. */
const eventId = z
  .string()
  .regex(/^\d{1,15}$/, "must be an event id the stream sent (a whole number)")
  .transform(Number)
  .optional()
  .openapi({ type: "string", pattern: "^\\d{1,15}$" });

export const LiveQuery = z.strictObject({
  last_event_id: eventId.openapi({
    description: "Resume after this event, as `Last-Event-ID` does, for clients that cannot send the header (the header wins).",
  }),
});

const LiveHeaders = z.object({
  "last-event-id": eventId.openapi({
    description: "Resume after this event: the events since are sent first. An EventSource sends it when it reconnects.",
  }),
});

const params = idParam("Profile");

const EXAMPLE = [
  "retry: 3000",
  "",
  'event: scan\ndata: {"source":"qr_scan","country":"DE","device":"mobile","scanned_at":"2026-10-14T09:12:03.512Z"}\nid: 41',
  "",
  ": heartbeat",
  "",
  'event: lead\ndata: {"contact_id":"019a2c1e-7f3b-7c41-9d2e-5b8f0a6c4e21","name":"Grace Hopper","via":"qr","captured_at":"2026-10-14T09:13:47.090Z"}\nid: 42',
  "",
  "",
].join("\n");

export const live = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/profiles/{id}/live",
    tags: ["Profiles"],
    operationId: "streamProfileLive",
    summary: "Live feed of one of the workspace's profiles (Server-Sent Events)",
    description: `A Server-Sent Events stream of what happens on the card as it happens: \`scan\` for each counted scan (\`{source, country, device, scanned_at}\`) and \`lead\` for each lead stored from its form (\`{contact_id, name, via, captured_at}\`; a lead held past the plan's limit has \`contact_id: null\` and \`held_lead_id\`). Every event has an \`id:\`; send the last one back as \`Last-Event-ID\` (or \`?last_event_id=\`) to get the events missed since, from at least the last ${LIVE_EVENTS_KEPT}, which are kept. A \`: heartbeat\` comment comes every 25 seconds. The server ends a stream after an hour, or when the way to the card's counter stops answering; the client reconnects after \`retry: 3000\` ms and resumes, its key checked again.`,
    request: { params, query: LiveQuery, headers: LiveHeaders },
    responses: {
      200: {
        description: "The stream (it does not end on its own until the hour is over)",
        content: { "text/event-stream": { schema: z.string(), example: EXAMPLE } },
      },
      ...errorResponses(400, 401, 403, 404),
    },
  },
);
