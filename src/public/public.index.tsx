import { type Context, Hono } from "hono";
import { html } from "hono/html";
import type { AppEnv } from "../keys/app-env";
import { BoundedCache } from "../lib/bounded-cache";
import { publicBaseUrl } from "../lib/config";
import { type ApiError, notFound } from "../lib/errors";
import { splitName } from "../lib/names";
import { isTransient } from "../lib/render-error";
import { toVCard } from "../lib/vcard";
import { findProfileByHandle } from "../profiles/profiles.data";
import { HANDLE_PATTERN } from "../profiles/profiles.routes";
import type { Profile } from "../profiles/profiles.table";
import { recordScan } from "../scans/scan-counter";
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
 * Records a scan unless the client is a bot or a link-preview crawler. False when the profile was
 * made private or deleted since it was read (the ScanCounter checks as it writes). A person holding
 * a phone up to a card gets the card even when counting fails for a moment: the failure is logged.
 */
async function countVisit(c: PublicContext, profileId: string, source: "qr_scan" | "web"): Promise<boolean> {
  if (isCrawler(c.req.header("user-agent"))) return true;
  try {
    const result = await recordScan(c.env, newScan(profileId, source, referrerHost(c)));
    return result.recorded;
  } catch (error) {
    if (!isTransient(error)) throw error;
    console.error(
      JSON.stringify({
        level: "warn",
        msg: "scan not counted",
        request_id: c.var.requestId,
        profile_id: profileId,
        source,
        error: String(error),
      }),
    );
    return true;
  }
}

/**
 * Where each QR handle led lately: `/q` is the hottest public path (a whole conference hall
 * scanning one card), and it needs only the profile id and current handle. Safe to serve stale:
 * the scan itself is refused if the profile went private or away, and then the handle is looked
 * up again; a renamed handle still redirects through its old name for at most this long.
 */
const QR_TARGET_TTL_MS = 60_000;
const qrTargets = new BoundedCache<string, { profileId: string; handle: string }>(10_000, QR_TARGET_TTL_MS);

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
    if (!target || !(await countVisit(c, target.profileId, "qr_scan"))) {
      qrTargets.delete(asked);
      const { profile } = await publicProfile(c, asked);
      target = { profileId: profile.id, handle: profile.handle };
      if (!(await countVisit(c, target.profileId, "qr_scan"))) throw notFound("Card");
      qrTargets.set(asked, target);
    }
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
    if (!(await countVisit(c, profile.id, "web"))) throw notFound("Card");
    const n = nonce();
    c.header("Content-Security-Policy", pageCsp(n));
    c.header("Cache-Control", "no-store");
    return c.html(html`<!doctype html>${<CardPage profile={profile} url={cardUrl} nonce={n} />}`);
  });
