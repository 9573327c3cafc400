import { dbFor } from "../lib/db/client";
import { clientIp, giveVerdict, type RateVerdict } from "../middleware/rate-limit";
import { requestIdOf } from "../middleware/request-id";
import { HSTS, SECURITY_HEADERS } from "../middleware/security-headers";
import { countVisit, publicLimiter, qrLocation, qrRetarget, qrTargets } from "./qr";

/** `/q/{handle}` and nothing more: no trailing slash, no percent-encoding (the app checks those). */
const QR_PATH = /^https?:\/\/[^/]+\/q\/([A-Za-z0-9-]+)(?:\?[^%#]*)?$/;

/**
 * The QR redirect's own lane, in front of the app. `/q/{handle}` is the hottest path there is (a
 * conference hall scanning one card), and a scan of a handle this isolate looked up lately needs
 * none of the app's routing and middleware: its answer is a redirect it already knows. The lane
 * gives exactly the app's answer (302, `Location`, `Cache-Control`, the security headers, the
 * request id and the rate limit's headers; like the app, no request-log line: the scan is the
 * record), and counts the scan the same way. Anything it is not sure of goes to the app, which
 * answers it and looks the handle up for the next scan: another method, a handle not seen lately,
 * a D1 bookmark sent, or D1 sessions on (their answers carry a bookmark).
 */
export async function qrLane(request: Request, env: Env, ctx: ExecutionContext): Promise<Response | undefined> {
  if (request.method !== "GET" || env.D1_SESSIONS === "on" || request.headers.has("x-cardbox-bookmark")) return undefined;
  const url = request.url;
  const asked = QR_PATH.exec(url)?.[1]?.toLowerCase();
  if (asked === undefined) return undefined;
  const target = qrTargets.get(asked);
  if (!target) return undefined;
  let verdict: RateVerdict | undefined;
  try {
    verdict = await publicLimiter.check(env, clientIp(request));
  } catch {
    // The binding failed: the app asks it again, and answers (and logs) what it says.
    return undefined;
  }
  if (verdict && !verdict.ok) {
    // The app answers the refusal (its 429 page), with this verdict: the request is counted once.
    giveVerdict(request, verdict);
    return undefined;
  }
  const requestId = requestIdOf(request);
  countVisit(request, env, ctx, target.profileId, "qr_scan", qrRetarget(dbFor(env.DB), asked));
  const headers: [string, string][] = [
    ["Location", qrLocation(target)],
    ["Cache-Control", "no-store"],
    ["X-Request-Id", requestId],
    ...SECURITY_HEADERS,
    ...(url.startsWith("https:") ? [HSTS] : []),
    ...Object.entries(verdict?.headers ?? {}),
  ];
  return new Response(null, { status: 302, headers });
}
