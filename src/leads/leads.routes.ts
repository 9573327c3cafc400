import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { ContactSchema } from "../contacts/contacts.fields";
import { DeletedSchema, errorResponses, json } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";

const HeldLeadSchema = z
  .object({
    id: z.string(),
    profile_id: z.string().openapi({ description: "The card the lead was shared on." }),
    lead: z
      .object({
        name: z.string(),
        email: z.string().nullable(),
        phone: z.string().nullable(),
        company: z.string().nullable(),
        job_title: z.string().nullable(),
        note: z.string().nullable(),
        via: z.enum(["qr", "web"]),
      })
      .openapi({ description: "What the visitor shared, as the form sent it." }),
    consent_at: z.string(),
    created_at: z.string(),
  })
  .openapi("HeldLead");

export const HeldLeadsQuery = listQuery({});

export const listHeld = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/leads/held",
    tags: ["Contacts"],
    operationId: "listHeldLeads",
    summary: "Leads held past the plan's contact limit",
    description:
      "Details visitors shared on the workspace's cards while it was at its plan's contact limit, newest first: kept, with their consent time, so none is lost.",
    request: { query: HeldLeadsQuery.doc },
    responses: { 200: json(listOf(HeldLeadSchema, "HeldLeadList"), "Held leads, newest first"), ...errorResponses(400, 401, 403) },
  },
);

const params = idParam("Held lead");

export const ReleasedSchema = z
  .object({
    outcome: z.enum(["created", "updated"]).openapi({
      description: "`created`: a new contact; `updated`: a contact with the same email or phone took the details in.",
    }),
    contact: ContactSchema,
  })
  .openapi("ReleasedLead");

export const release = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/leads/held/{id}/release",
    tags: ["Contacts"],
    operationId: "releaseHeldLead",
    summary: "Save a held lead as a contact",
    description:
      "Saves the held lead as its card's form would have (a new contact tagged `lead`, or the contact with the same email or phone filled in), with the visitor's original consent time, and forgets the held lead in the same write. Events: `contact.created` or `contact.updated`, and `lead.captured`. Held leads are also released by themselves, oldest first, within a minute of the workspace having room.",
    request: { params },
    responses: {
      200: json(ReleasedSchema, "Saved; the held lead is gone"),
      ...errorResponses(401, 403, 404),
    },
  },
);

export const discard = apiRoute(
  { permission: "contacts:write" },
  {
    method: "delete",
    path: "/leads/held/{id}",
    tags: ["Contacts"],
    operationId: "discardHeldLead",
    summary: "Discard a held lead",
    description: "Forgets the held lead without saving it.",
    request: { params },
    responses: { 200: json(DeletedSchema, "Discarded"), ...errorResponses(401, 403, 404) },
  },
);
