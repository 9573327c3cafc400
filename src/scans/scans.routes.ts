import { z } from "@hono/zod-openapi";
import { apiRoute } from "../api/api-route";
import { SOURCES } from "../contacts/contacts.fields";
import { nowIso } from "../lib/ids";
import { errorResponses, json, jsonBody } from "../lib/openapi";
import { listOf, listQuery } from "../lib/pagination";
import { idParam } from "../lib/params";
import { text, uuid, withAliases } from "../lib/validation";
import { COUNTRY_CODE } from "./scan-origin";
import { DEVICES, SCAN_SOURCES, UNKNOWN_COUNTRY } from "./scans.table";
import { DEFAULT_STATS_DAYS, daysIn, MAX_STATS_DAYS, statsRange } from "./stats-range";

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

const country = z
  .string()
  .regex(COUNTRY_CODE, "must be an ISO 3166-1 alpha-2 country code in capitals, or XX")
  .openapi({ example: "DE", description: "ISO 3166-1 alpha-2 country code; `XX` when unknown." });
const device = z.enum(DEVICES).openapi({
  description: "The class of device the scan came from, by its user agent: `other` for bots, scripts, TVs and consoles, and when unknown.",
});

export const ScanCreateSchema = withAliases(
  z.strictObject({
    profile_id: uuid,
    source: z.enum(SCAN_SOURCES),
    referrer,
    country: country.default(UNKNOWN_COUNTRY).openapi({
      description:
        "Where the person who scanned was, if the caller knows: ISO 3166-1 alpha-2 in capitals, `XX` (the default) when unknown. Not read from the API request, which comes from the caller's server.",
    }),
    device: device
      .default("other")
      .openapi({ description: "The scanning person's class of device, if the caller knows; default `other`." }),
  }),
).openapi("ScanCreate");

const CountsSchema = z
  .object({ total: z.number().int(), qr_scan: z.number().int(), web: z.number().int(), mcp: z.number().int() })
  .openapi("ScanCounts");

export const ScanSchema = z
  .object({
    id: z.string(),
    profile_id: z.string(),
    source: z.enum(SCAN_SOURCES),
    referrer: z.string().nullable().openapi({ description: "The referrer's host." }),
    country,
    device,
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
    description:
      "Any public profile may be scanned; the scan belongs to the profile owner's analytics. No IP or user agent is stored. `country` and `device` describe the person who scanned, as the caller knows them (unknown by default: this request comes from the caller, not from them).",
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

const count = z.number().int();

const StatsSchema = z
  .object({
    total: count.openapi({ description: "Scans over the profile's life." }),
    leads: count.openapi({ description: "Leads captured on the card's form over the profile's life, held ones included." }),
    by_source: z.object({ qr_scan: count, web: count, mcp: count }).openapi({ description: "Scans over the profile's life, per source." }),
    by_country: z.record(z.string().regex(COUNTRY_CODE), count).openapi({
      description: "The range's scans per country (ISO 3166-1 alpha-2, `XX` unknown), most first; countries without scans are left out.",
      example: { DE: 12, US: 4, XX: 1 },
    }),
    by_device: z
      .object({ mobile: count, tablet: count, desktop: count, other: count })
      .openapi({ description: "The range's scans per class of device." }),
    by_day: z
      .array(
        z.object({
          date: z.string().openapi({ description: "The UTC day, `YYYY-MM-DD`.", example: "2026-11-02" }),
          total: count.openapi({ description: "The day's scans." }),
          qr_scan: count,
          web: count,
          mcp: count,
          leads: count.openapi({ description: "Leads captured on the card's form that day." }),
        }),
      )
      .openapi({ description: "Every UTC day of the range, oldest first, zeros included." }),
  })
  .openapi("ProfileStats");

const statsDay = (description: string) =>
  z.iso.date({ error: "must be a date (YYYY-MM-DD)" }).optional().openapi({ description, example: "2026-11-02" });

export const StatsQuery = z
  .strictObject({
    from: statsDay(`The first UTC day, \`YYYY-MM-DD\`; default ${DEFAULT_STATS_DAYS - 1} days before \`to\`.`),
    to: statsDay("The last UTC day, `YYYY-MM-DD`; default today."),
  })
  .superRefine(
    (asked, ctx) => {
      const days = daysIn(statsRange(asked, nowIso()));
      if (days < 1) ctx.addIssue({ code: "custom", path: ["from"], message: "must not be after to" });
      else if (days > MAX_STATS_DAYS)
        ctx.addIssue({ code: "custom", path: ["from"], message: `must be at most ${MAX_STATS_DAYS} days before to` });
    },
    // A range only of two dates.
    { when: (payload) => payload.issues.length === 0 },
  );

export const stats = apiRoute(
  { permission: "contacts:read" },
  {
    method: "get",
    path: "/profiles/{id}/stats",
    tags: ["Profiles"],
    operationId: "getProfileStats",
    summary: "Scan and lead counts of one of the workspace's profiles",
    description: `Exact counts of one of the workspace's profiles: its scans in all and per source, and its leads, over its life; for the days from \`from\` to \`to\` (UTC, both included, at most ${MAX_STATS_DAYS}; the last ${DEFAULT_STATS_DAYS} days unless given), scans per country and per class of device, and every day with its scans per source and its leads. Countries and devices are kept as coarse values only: no IP address or user agent is stored.`,
    request: { params: profileParams, query: StatsQuery },
    responses: { 200: json(StatsSchema, "Counts"), ...errorResponses(400, 401, 403, 404) },
  },
);
