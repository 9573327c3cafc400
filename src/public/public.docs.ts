import { z } from "@hono/zod-openapi";
import type { OpenApiRegistry } from "../lib/openapi";

const HTML = { "text/html": { schema: { type: "string" as const } } };
const page = (description: string) => ({ description, content: HTML });
const LOCATION = { Location: { required: true, description: "Where to go.", schema: { type: "string" as const } } };
const SHARED_ERRORS = {
  400: page("The URL is malformed (a small HTML page)."),
  404: page("No such card, or it is private (a small HTML page)."),
  429: page("Too many requests from this address; see `Retry-After` (a small HTML page)."),
  500: page("Unexpected error (a small HTML page)."),
  503: page("Briefly unavailable; retry (a small HTML page)."),
  default: page("Any other failure (a small HTML page)."),
};

/** The public card pages in the OpenAPI document: no key, HTML answers, any query parameter ignored. */
export function documentPublicPages(registry: OpenApiRegistry) {
  const tags = ["Public pages"];
  const security: Record<string, string[]>[] = [];
  registry.registerPath({
    method: "get",
    path: "/q/{handle}",
    operationId: "openQrCode",
    tags,
    security,
    summary: "QR landing: count the scan, open the card",
    description:
      "Where a card's QR code points. Counts a `qr_scan` (not for crawlers and link previewers) and redirects to the card; the handle is case-insensitive and a renamed handle still works.",
    request: { params: handleParam("The card's handle, in any letter case.") },
    responses: { 302: { description: "To the card page.", headers: LOCATION }, ...SHARED_ERRORS },
  });
  registry.registerPath({
    method: "get",
    path: "/p/{file}",
    operationId: "getCardPage",
    tags,
    security,
    summary: "The card page, or its vCard",
    description:
      "`/p/{handle}` is the public card (HTML that works without JavaScript) and counts a `web` visit; `/p/{handle}.vcf` is the card owner's vCard 3.0. A handle in another letter case, or a renamed one, answers 301 to the current spelling.",
    request: { params: handleParam("A handle (the card page), or a handle followed by `.vcf` (the vCard).", "file") },
    responses: {
      200: {
        description: "The card page, or the vCard (`Content-Disposition: attachment`).",
        content: { ...HTML, "text/vcard": { schema: { type: "string" as const } } },
      },
      301: { description: "To the handle's current spelling.", headers: LOCATION },
      ...SHARED_ERRORS,
    },
  });
  registry.registerPath({
    method: "post",
    path: "/p/{handle}/connect",
    operationId: "leaveDetailsOnCard",
    tags,
    security,
    summary: "Lead form: a visitor leaves their details on the card",
    description:
      "The card page's form (HTML, no JavaScript needed). Creates a contact in the owner's workspace, or fills in the one with the same email (else phone), tagged `lead`, with `contact.created`/`contact.updated` and `lead.captured` events; past the plan's contact limit the lead is held, never lost. Needs the form's signed token (from the card page, valid 2 hours), an empty honeypot, consent, and at most `LEADS_PER_MINUTE` leads a minute per card (429).",
    request: {
      params: handleParam("The card's handle."),
      body: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: z.object({
              csrf: z.string().openapi({ description: "The token the card page put in its form." }),
              via: z.enum(["qr", "web"]).optional().openapi({ description: "`qr` when the visitor came by the QR code." }),
              name: z.string().min(1).max(256),
              email: z.string().max(254).optional(),
              phone: z.string().max(256).optional(),
              company: z.string().max(256).optional(),
              job_title: z.string().max(256).optional(),
              note: z.string().max(2000).optional(),
              consent: z.literal("yes").openapi({ description: "The visitor agrees that the card's owner keeps their details." }),
              website: z.string().max(0).optional().openapi({ description: "The honeypot: left empty by people." }),
              "cf-turnstile-response": z
                .string()
                .optional()
                .openapi({ description: "Turnstile's token, when the deployment sets `TURNSTILE_SECRET`." }),
            }),
          },
        },
      },
    },
    responses: {
      303: { description: "To the card's thank-you page (`?shared=1`).", headers: LOCATION },
      400: page(
        "A field is wrong: the form again, with the values kept and a message by each field; or the token, honeypot or check failed.",
      ),
      404: page("No such card, or it is private."),
      413: page("The form is over 16 KiB."),
      415: page("Not a form body (`application/x-www-form-urlencoded`)."),
      429: page("Too many details left on this card in the last minute, or too many requests from this address; see `Retry-After`."),
      500: page("Unexpected error (a small HTML page)."),
      503: page("Briefly unavailable; retry (a small HTML page)."),
      default: page("Any other failure (a small HTML page)."),
    },
  });
}

const handleParam = (description: string, name = "handle") => z.object({ [name]: z.string().min(1).openapi({ description }) });
