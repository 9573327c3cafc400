import { z } from "@hono/zod-openapi";
import { ContactSchema } from "../contacts/contacts.fields";
import { ScanSchema } from "../scans/scans.routes";
import type { EventType } from "./outbox.data";

/**
 * What each event type carries as `data`, and when it is sent: the OpenAPI document's `webhooks`
 * section is built from this table, and its type makes a new event type impossible to leave out.
 */
export const EVENTS: Record<EventType, { summary: string; description: string; data: z.ZodType }> = {
  "contact.created": {
    summary: "A contact was created",
    description: "Sent after a create, an upsert that created, a batch item, or a save from a public card. `data` is the contact.",
    data: ContactSchema,
  },
  "contact.updated": {
    summary: "A contact changed",
    description: "Sent after a PUT, PATCH or an upsert that matched. `data` is the contact after the change.",
    data: ContactSchema,
  },
  "contact.deleted": {
    summary: "A contact was deleted",
    description: "`data` is the contact as it was just before the delete.",
    data: ContactSchema,
  },
  "contact.merged": {
    summary: "Contacts were merged into one",
    description: "`data.contact` is the surviving contact after the merge; `data.merged_ids` the contacts merged into it (now deleted).",
    data: z.object({ contact: ContactSchema, merged_ids: z.array(z.guid()).min(1) }),
  },
  "lead.captured": {
    summary: "A visitor left their details on a card",
    description:
      "Sent with the `contact.created` or `contact.updated` of the same write. `data.contact` is the contact after it; `data.via` is `qr` when the visitor came by the QR code, else `web`.",
    data: z.object({ contact: ContactSchema, profile_id: z.guid(), via: z.enum(["qr", "web"]) }),
  },
  "contact.limit_reached": {
    summary: "A lead was held: the workspace is at its plan's contact limit",
    description: "The lead is kept (see `GET /v1/leads/held`), not lost; make room or upgrade the plan.",
    data: z.object({ held_lead_id: z.guid(), profile_id: z.guid(), via: z.enum(["qr", "web"]), held_at: z.string().datetime() }),
  },
  "contact.tags_added": {
    summary: "Tags were added to a contact",
    description: "`data` is the contact after the change.",
    data: ContactSchema,
  },
  "contact.tags_removed": {
    summary: "Tags were removed from a contact",
    description: "`data` is the contact after the change.",
    data: ContactSchema,
  },
  "scan.recorded": {
    summary: "A profile was scanned",
    description: "Sent for each counted scan of one of the workspace's profiles, whoever scanned it. `data` is the scan.",
    data: ScanSchema,
  },
  "webhook.test": {
    summary: "A test event",
    description: "Sent to one endpoint by `POST /v1/webhooks/{id}/test`, whatever events it subscribes to.",
    data: z.object({ webhook_id: z.string().openapi({ example: "0192f7a8-6c1e-7d3a-9b2f-4e5d6c7b8a90" }) }).openapi("WebhookTestData"),
  },
};

/** The body of every delivery: `{type, timestamp, data}`, signed as Standard Webhooks describes. */
export const eventEnvelope = (type: EventType, data: z.ZodType) =>
  z
    .object({
      type: z.literal(type),
      timestamp: z.string().openapi({ format: "date-time", description: "When the change happened." }),
      data,
    })
    .openapi(`${type.replace(/(^|[._])([a-z])/g, (_, __, ch: string) => ch.toUpperCase())}Event`);
