import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { SOURCES } from "../contacts/contacts.fields";
import { errorResponses, json, jsonBody } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { text, uuid, withAliases } from "../lib/validation";
import { SCAN_SOURCES } from "./scans.table";

const tags = ["Scans"];

/** A referrer is kept only as its host: "https://summit.example/agenda?x=1" → "summit.example". */
const referrer = text(2048)
  .transform((value, ctx) => {
    for (const candidate of [value, `https://${value}`]) {
      try {
        const url = new URL(candidate);
        if (url.hostname) return url.hostname.toLowerCase();
      } catch {
        // try the next reading
      }
    }
    ctx.addIssue({ code: "custom", message: "must be a URL or a host name" });
    return z.NEVER;
  })
  .nullable()
  .optional()
  .openapi({ type: "string", description: "Where the scan came from; only its host is stored." });

export const ScanCreateSchema = withAliases(z.strictObject({ profile_id: uuid, source: z.enum(SCAN_SOURCES), referrer })).openapi(
  "ScanCreate",
);

const CountsSchema = z
  .object({ total: z.number().int(), qr_scan: z.number().int(), web: z.number().int(), mcp: z.number().int() })
  .openapi("ScanCounts");

export const ScanSchema = z
  .object({
    id: z.string(),
    profile_id: z.string(),
    source: z.enum(SCAN_SOURCES),
    referrer: z.string().nullable().openapi({ description: "The referrer's host." }),
    scanned_at: z.string(),
  })
  .openapi("Scan");

export const ScanListSchema = listOf(ScanSchema, "ScanList");

export const ScansQuery = listQuery({
  profile_id: uuid.optional(),
  source: z.enum(SCAN_SOURCES).optional(),
});

export const record = apiRoute(
  { permission: "contacts:write" },
  {
    method: "post",
    path: "/contacts/scans",
    tags,
    operationId: "recordScan",
    summary: "Record a scan of a profile",
    description: "Any public profile may be scanned; the scan belongs to the profile owner's analytics. No IP or user agent is stored.",
    request: { body: jsonBody(ScanCreateSchema) },
    responses: {
      201: json(ScanSchema.extend({ counts: CountsSchema }).openapi("RecordedScan"), "The scan and the profile's counts after it"),
      ...errorResponses(400, 401, 403, 404, 413, 415),
    },
  },
);

export const recent = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/contacts/scans",
    tags,
    operationId: "listScans",
    summary: "Recent scans of the workspace's own profiles, newest first",
    description:
      "Scans of the workspace's own profiles, newest first, filtered by profile or source. Scan events are kept 90 days; counts for the profile's life.",
    request: { query: ScansQuery.doc },
    responses: { 200: json(ScanListSchema, "Scans"), ...errorResponses(400, 401, 403) },
  },
);

const SourcesSchema = z
  .object({
    contacts: z.object(Object.fromEntries(SOURCES.map((s) => [s, z.number().int()])) as Record<(typeof SOURCES)[number], z.ZodNumber>),
    scans: z.object(
      Object.fromEntries(SCAN_SOURCES.map((s) => [s, z.number().int()])) as Record<(typeof SCAN_SOURCES)[number], z.ZodNumber>,
    ),
    leads: z.number().int().openapi({ description: "Leads captured on the forms of the workspace's current cards." }),
  })
  .openapi("SourceAnalytics");

export const sources = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/analytics/sources",
    tags: ["Analytics"],
    operationId: "getSourceAnalytics",
    summary: "Contacts and scans per source for the workspace",
    description: "How many of the workspace's contacts came through each channel, and how many scans each source counted on its profiles.",
    responses: { 200: json(SourcesSchema, "Counts per source"), ...errorResponses(401, 403) },
  },
);

const profileParams = idParam("Profile");

const StatsSchema = z
  .object({
    total: z.number().int(),
    leads: z.number().int().openapi({ description: "Leads captured on the card's form, in all." }),
    by_source: z.object({ qr_scan: z.number().int(), web: z.number().int(), mcp: z.number().int() }),
    by_day: z
      .array(z.object({ date: z.string(), count: z.number().int() }))
      .openapi({ description: "The last 30 UTC days, oldest first, zeros included." }),
  })
  .openapi("ProfileStats");

export const stats = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/profiles/{id}/stats",
    tags: ["Profiles"],
    operationId: "getProfileStats",
    summary: "Scan counts of one of the workspace's profiles",
    description: "Exact counts of one of the workspace's profiles: in all, per source, and per UTC day for the last 30 days.",
    request: { params: profileParams },
    responses: { 200: json(StatsSchema, "Counts"), ...errorResponses(401, 403, 404) },
  },
);
