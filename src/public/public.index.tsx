import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { html } from "hono/html";
import { captureLead } from "../contacts/contacts-leads.data";
import type { AppEnv } from "../keys/app-env";
import { publicBaseUrl } from "../lib/config";
import { ApiError, notFound } from "../lib/errors";
import { nowIso } from "../lib/ids";
import { splitName } from "../lib/names";
import { toVCard } from "../lib/vcard";
import { findProfileByHandle } from "../profiles/profiles.data";
import { HANDLE_PATTERN } from "../profiles/profiles.routes";
import type { Profile } from "../profiles/profiles.table";
import { leadEvent } from "../scans/live-feed";
import { publishLead, scanCounter } from "../scans/scan-counter";
import { scanOrigin } from "../scans/scan-origin";
import { flushOutbox } from "../webhooks/delivery";
import { CardPage, ErrorPage, type LeadSection } from "./card-page";
import { pageCsp } from "./layout";
import {
  formToken,
  type LeadFormErrors,
  type LeadFormValues,
  passesTurnstile,
  readLeadForm,
  type TurnstileSettings,
  validFormToken,
} from "./lead-form";
import { countVisit, isQrPath, qrLocation, qrRetarget, qrTargets } from "./qr";

type PublicContext = Context<AppEnv>;

/** Finds the public profile behind a handle (current or former); anything else is a 404 page. */
async function publicProfile(c: PublicContext, rawHandle: string) {
  const handle = rawHandle.toLowerCase();
  const found = HANDLE_PATTERN.test(handle) ? await findProfileByHandle(c.var.db, handle) : undefined;
  if (!found?.profile.public) throw notFound("Card");
  return found;
}

function profileVCard(p: Profile, url: string) {
  const { firstName, lastName } = splitName(p.name);
  return toVCard({
    firstName,
    lastName,
    fullName: p.name,
    organization: p.company,
    title: p.title,
    email: p.email,
    phone: p.phone,
    address: p.location,
    urls: [p.website, url],
    photoUrl: p.photoUrl,
    note: p.bio,
    uid: `urn:uuid:${p.id}`,
    revision: p.updatedAt,
  });
}

const nonce = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));

/** Renders an error on the public pages as a small HTML page. */
export function publicErrorPage(c: PublicContext, error: ApiError) {
  const n = nonce();
  c.header("Content-Security-Policy", pageCsp(n));
  c.header("Cache-Control", "no-store");
  // The error's own headers too: Retry-After on a 429, Allow on a 405.
  return c.html(
    html`<!doctype html>${<ErrorPage status={error.status} message={error.message} nonce={n} />}`,
    error.status,
    error.options.headers,
  );
}

export const isPublicPage = (path: string) => isQrPath(path) || path.startsWith("/p/");

const cardUrl = (c: PublicContext, profile: Profile) => `${publicBaseUrl(c.env, c.req.url)}/p/${profile.handle}`;

/** The card page, with what it shows under "Save contact". */
function renderCard(c: PublicContext, profile: Profile, lead: LeadSection, status: 200 | 400 = 200) {
  const n = nonce();
  const form = lead.kind === "form";
  c.header("Content-Security-Policy", pageCsp(n, { form, turnstile: form && Boolean(lead.turnstileSiteKey) }));
  c.header("Cache-Control", "no-store");
  return c.html(html`<!doctype html>${<CardPage profile={profile} url={cardUrl(c, profile)} nonce={n} lead={lead} />}`, status);
}

/** The lead form for this visit (a fresh token), with a refused submission's values and messages. */
async function leadSection(
  c: PublicContext,
  profile: Profile,
  via: "qr" | "web",
  refused?: { values: LeadFormValues; errors: LeadFormErrors },
): Promise<LeadSection> {
  if (profile.leadCapture === "off") return { kind: "off" };
  const token = await formToken(c.env.WEBHOOK_SECRET_KEYS, profile.handle);
  const turnstileSiteKey = (c.env as TurnstileSettings).TURNSTILE_SECRET ? (c.env as TurnstileSettings).TURNSTILE_SITE_KEY : undefined;
  return { kind: "form", token, via, turnstileSiteKey, ...refused };
}

/** A card takes at most this many leads a minute (`LEADS_PER_MINUTE`, 10 unless set). */
const leadsPerMinute = (env: Env) => Number((env as { LEADS_PER_MINUTE?: string }).LEADS_PER_MINUTE) || 10;

/** A lead form is small: 16 KiB is plenty, and more is refused before it is read. */
const formBodyLimit = bodyLimit({
  maxSize: 16 * 1024,
  onError: () => {
    throw new ApiError("payload_too_large", "The form is too large.");
  },
});

/**
 * Counts a lead in its card's stats (per day, country and device), once it is saved. The lead is
 * saved either way: a count that cannot be made is logged, never shown to the visitor.
 */
async function countLead(c: PublicContext, profileId: string) {
  const lead = { captured_at: nowIso(), ...scanOrigin(c.req.raw) };
  await Promise.resolve(scanCounter(c.env.SCAN_COUNTER, profileId).countLead(lead)).catch((error: unknown) =>
    console.error(
      JSON.stringify({ level: "error", msg: "lead not counted", profile_id: profileId, error: String(error), request_id: c.var.requestId }),
    ),
  );
}

const logFlushFailed = (c: PublicContext, error: unknown) =>
  console.error(JSON.stringify({ level: "error", msg: "outbox flush failed", error: String(error), request_id: c.var.requestId }));

/** The lead is stored; only the booth's live feed missed it. */
const logLiveFailed = (c: PublicContext, error: unknown) =>
  console.error(
    JSON.stringify({ level: "warn", msg: "lead not sent to the live feed", error: String(error), request_id: c.var.requestId }),
  );

/** `/q/{handle}` (QR landing), `/p/{handle}` (the card) and `/p/{handle}.vcf`. No API key. */
export const publicRouter = new Hono<AppEnv>()
  .get("/q/:handle", async (c) => {
    const asked = c.req.param("handle").toLowerCase();
    let target = qrTargets.get(asked);
    if (!target) {
      const { profile } = await publicProfile(c, asked);
      target = { profileId: profile.id, handle: profile.handle };
      qrTargets.set(asked, target);
    }
    countVisit(c.req.raw, c.env, c.executionCtx, target.profileId, "qr_scan", qrRetarget(c.var.db, asked));
    c.header("Cache-Control", "no-store");
    return c.redirect(qrLocation(target), 302);
  })
  .get("/p/:file", async (c) => {
    const file = c.req.param("file");
    const vcf = file.toLowerCase().endsWith(".vcf");
    const { profile, current } = await publicProfile(c, vcf ? file.slice(0, -4) : file);
    if (!current || file !== file.toLowerCase()) {
      return c.redirect(`/p/${profile.handle}${vcf ? ".vcf" : new URL(c.req.url).search}`, 301);
    }
    if (vcf) {
      return c.body(profileVCard(profile, cardUrl(c, profile)), 200, {
        "Content-Type": "text/vcard; charset=utf-8",
        "Content-Disposition": `attachment; filename="${profile.handle}.vcf"`,
        "Cache-Control": "no-cache",
      });
    }
    // The thanks after a shared lead is the same visit, not a new one.
    if (c.req.query("shared") === "1" && profile.leadCapture === "on") return renderCard(c, profile, { kind: "shared" });
    countVisit(c.req.raw, c.env, c.executionCtx, profile.id, "web");
    return renderCard(c, profile, await leadSection(c, profile, c.req.query("via") === "qr" ? "qr" : "web"));
  })
  .post("/p/:handle/connect", formBodyLimit, async (c) => {
    const { profile } = await publicProfile(c, c.req.param("handle"));
    if (profile.leadCapture === "off") throw new ApiError("bad_request", "This card does not collect details.");
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/x-www-form-urlencoded\s*(;.*)?$/i.test(type)) {
      throw new ApiError("unsupported_media_type", "The form must be sent as application/x-www-form-urlencoded.");
    }
    const form = await c.req.parseBody();
    if (!(await validFormToken(c.env.WEBHOOK_SECRET_KEYS, profile.handle, form.csrf))) {
      throw new ApiError(
        "bad_request",
        "This form has expired or did not come from this card. Please open the card again and send it from there.",
      );
    }
    if (form.website) throw new ApiError("bad_request", "This form could not be sent.");
    if (!(await passesTurnstile(c.env as TurnstileSettings, form["cf-turnstile-response"], c.req.header("cf-connecting-ip")))) {
      throw new ApiError("bad_request", "Please complete the check that you are a person, then send the form again.");
    }
    const via = form.via === "qr" ? "qr" : "web";
    const read = readLeadForm(form);
    if (!read.ok) return renderCard(c, profile, await leadSection(c, profile, via, read), 400);
    if (!(await scanCounter(c.env.SCAN_COUNTER, profile.id).admitLead(leadsPerMinute(c.env)))) {
      throw new ApiError("rate_limited", "This card has received many details in the last minute. Please try again in a minute.", {
        headers: { "Retry-After": "60" },
      });
    }
    const stored = await captureLead(c.var.db, profile.workspaceId, profile.id, { ...read.lead, via });
    await countLead(c, profile.id);
    c.executionCtx.waitUntil(flushOutbox(c.env, c.var.db).catch((error: unknown) => logFlushFailed(c, error)));
    c.executionCtx.waitUntil(
      publishLead(c.env, profile.id, leadEvent(stored, read.lead.name, via)).catch((error: unknown) => logLiveFailed(c, error)),
    );
    return c.redirect(`/p/${profile.handle}?shared=1`, 303);
  });
