import { isTransient } from "../lib/render-error";
import { recordScans } from "./scan-counter";
import type { PendingScan } from "./scans.data";

/** How long the first scan of a group waits for others of the same profile in this isolate. */
const GATHER_MS = 20;
/** A group this large goes at once. */
const GATHER_MAX = 200;

/** Each profile's scans gathering in this isolate, not yet handed to its ScanCounter. */
const gathering = new Map<string, PendingScan[]>();

/**
 * Hands a scan of the public pages to its profile's ScanCounter after the answer (`waitUntil`), so
 * a visitor never waits on a write. Scans of one profile arriving in this isolate within a few
 * milliseconds travel together in one call: under a conference hall's load the object gets a call
 * per group, not per scan. A scan that cannot be handed over is logged, never thrown at the visitor.
 */
export function sendScan(
  env: Pick<Env, "SCAN_COUNTER" | "DURABLE_OBJECT_TIMEOUT_MS">,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  scan: PendingScan,
) {
  const profileId = scan.profile_id;
  const joined = gathering.get(profileId);
  if (joined && joined.length < GATHER_MAX) {
    joined.push(scan);
    return;
  }
  const group = [scan];
  gathering.set(profileId, group);
  ctx.waitUntil(
    scheduler
      .wait(GATHER_MS)
      .then(() => {
        if (gathering.get(profileId) === group) gathering.delete(profileId);
        return recordScans(env, profileId, group);
      })
      .catch((error: unknown) =>
        console.error(
          JSON.stringify({
            level: isTransient(error) ? "warn" : "error",
            msg: "scans not counted",
            profile_id: profileId,
            scans: group.length,
            error: String(error),
          }),
        ),
      ),
  );
}
