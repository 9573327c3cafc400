import { BoundedCache } from "../lib/bounded-cache";
import type { Db } from "../lib/db/runner";
import { RateLimiter } from "../middleware/rate-limit";
import { findProfileByHandle } from "../profiles/profiles.data";
import { HANDLE_PATTERN } from "../profiles/profiles.routes";
import { visitOrigin } from "../scans/scan-origin";
import { type Retarget, sendScan } from "../scans/scan-sender";
import { newScan } from "../scans/scans.data";

/** The public pages are throttled per client IP, where the binding exists. */
export const publicLimiter = new RateLimiter({
  binding: (env) => env.PUBLIC_RATE_LIMITER,
  limit: (env) => Number(env.PUBLIC_RATE_LIMIT) || 120,
});

/** Whether `path` is a QR landing, `/q/{handle}`. */
export const isQrPath = (path: string) => path.startsWith("/q/");

export interface QrTarget {
  profileId: string;
  /** The profile's current handle. */
  handle: string;
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
export const qrTargets = new BoundedCache<string, QrTarget>(10_000, QR_TARGET_TTL_MS);

/** Where a QR scan of `target` sends the visitor: its card, marked as reached by QR. */
export const qrLocation = (target: QrTarget) => `/p/${target.handle}?via=qr`;

/** A QR scan whose cached profile was deleted meanwhile: the handle is looked up again, for this scan and the next. */
export const qrRetarget =
  (db: Db, asked: string): Retarget =>
  async () => {
    qrTargets.delete(asked);
    const found = HANDLE_PATTERN.test(asked) ? await findProfileByHandle(db, asked) : undefined;
    if (!found?.profile.public) return undefined;
    qrTargets.set(asked, { profileId: found.profile.id, handle: found.profile.handle });
    return found.profile.id;
  };

function referrerHost(request: Request) {
  const referer = request.headers.get("referer");
  if (!referer) return null;
  try {
    return new URL(referer).hostname || null;
  } catch {
    return null;
  }
}

/**
 * Counts a visit, after the answer, unless the client is a bot or a link-preview crawler. The
 * visitor never waits for it; a failure is logged.
 */
export function countVisit(
  request: Request,
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  profileId: string,
  source: "qr_scan" | "web",
  retarget?: Retarget,
) {
  const origin = visitOrigin(request);
  if (!origin) return;
  sendScan(env, ctx, newScan(profileId, source, { referrer: referrerHost(request), origin }), retarget);
}
