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
}

const handleParam = (description: string, name = "handle") => z.object({ [name]: z.string().min(1).openapi({ description }) });
