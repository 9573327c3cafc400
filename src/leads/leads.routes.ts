import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { errorResponses, json } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";

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
