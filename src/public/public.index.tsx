import { type Context, Hono } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../keys/app-env";
import { BoundedCache } from "../lib/bounded-cache";
import { publicBaseUrl } from "../lib/config";
import { type ApiError, notFound } from "../lib/errors";
import { splitName } from "../lib/names";
import { toVCard } from "../lib/vcard";
import { findProfileByHandle } from "../profiles/profiles.data";
import { HANDLE_PATTERN } from "../profiles/profiles.routes";
import type { Profile } from "../profiles/profiles.table";
import { type Retarget, sendScan } from "../scans/scan-sender";
import { newScan } from "../scans/scans.data";
import { CardPage, ErrorPage } from "./card-page";
import { isCrawler } from "./crawlers";
import { pageCsp } from "./layout";

type PublicContext = Context<AppEnv>;

/** Finds the public profile behind a handle (current or former); anything else is a 404 page. */
async function publicProfile(c: PublicContext, rawHandle: string) {
  const handle = rawHandle.toLowerCase();
  const found = HANDLE_PATTERN.test(handle) ? await findProfileByHandle(c.var.db, handle) : undefined;
  if (!found?.profile.public) throw notFound("Card");
  return found;
}

const referrerHost = (c: PublicContext) => {
  const referer = c.req.header("referer");
  if (!referer) return null;
  try {
    return new URL(referer).hostname || null;
  } catch {
    return null;
  }
};

/**
 * Counts a visit, after the answer, unless the client is a bot or a link-preview crawler. The
 * visitor never waits for it; a failure is logged.
 */
function countVisit(c: PublicContext, profileId: string, source: "qr_scan" | "web", retarget?: Retarget) {
  if (isCrawler(c.req.header("user-agent"))) return;
  sendScan(c.env, c.executionCtx, newScan(profileId, source, referrerHost(c)), retarget);
}

/**
 * Where each QR handle led lately: `/q` is the hottest public path (a whole conference hall
 * scanning one card), and it needs only the profile id and current handle. Safe to serve stale
 * for this long: the card page behind the redirect reads the profile afresh (a card made private
 * or deleted is 404 there at once), a scan of a profile gone private is dropped when it is copied
 * to D1, one of a deleted profile goes where the handle leads now (`qrRetarget`), and a renamed
 * handle still redirects through its old name.
 */
const QR_TARGET_TTL_MS = 60_000;
const qrTargets = new BoundedCache<string, { profileId: string; handle: string }>(10_000, QR_TARGET_TTL_MS);

/** A QR scan whose cached profile was deleted meanwhile: the handle is looked up again, for this scan and the next. */
const qrRetarget =
  (c: PublicContext, asked: string): Retarget =>
  async () => {
    qrTargets.delete(asked);
    const found = HANDLE_PATTERN.test(asked) ? await findProfileByHandle(c.var.db, asked) : undefined;
    if (!found?.profile.public) return undefined;
    qrTargets.set(asked, { profileId: found.profile.id, handle: found.profile.handle });
    return found.profile.id;
  };

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

export const isPublicPage = (path: string) => path.startsWith("/q/") || path.startsWith("/p/");

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
    countVisit(c, target.profileId, "qr_scan", qrRetarget(c, asked));
    c.header("Cache-Control", "no-store");
    return c.redirect(`/p/${target.handle}`, 302);
  })
  .get("/p/:file", async (c) => {
    const file = c.req.param("file");
    const vcf = file.toLowerCase().endsWith(".vcf");
    const { profile, current } = await publicProfile(c, vcf ? file.slice(0, -4) : file);
    if (!current || file !== file.toLowerCase()) {
      return c.redirect(`/p/${profile.handle}${vcf ? ".vcf" : ""}`, 301);
    }
    const cardUrl = `${publicBaseUrl(c.env, c.req.url)}/p/${profile.handle}`;
    if (vcf) {
      return c.body(profileVCard(profile, cardUrl), 200, {
        "Content-Type": "text/vcard; charset=utf-8",
        "Content-Disposition": `attachment; filename="${profile.handle}.vcf"`,
        "Cache-Control": "no-cache",
      });
    }
    countVisit(c, profile.id, "web");
    const n = nonce();
    c.header("Content-Security-Policy", pageCsp(n));
    c.header("Cache-Control", "no-store");
    return c.html(html`<!doctype html>${<CardPage profile={profile} url={cardUrl} nonce={n} />}`);
  });
