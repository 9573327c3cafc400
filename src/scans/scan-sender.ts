import { isTransient } from "../lib/render-error";
import { recordScans } from "./scan-counter";
import type { PendingScan } from "./scans.data";

/** How long the first scan of a group waits for others of the same profile in this isolate. */
const GATHER_MS = 50;
/** A group this large goes at once. */
const GATHER_MAX = 200;

/**
 * Where a scan goes when its profile turns out to have been deleted (it was sent from a handle
 * cached before the delete): the id of the profile its handle leads to now, if any.
 */
export type Retarget = () => Promise<string | undefined>;

interface Sent {
  scan: PendingScan;
  retarget?: Retarget;
}

/** Each profile's scans gathering in this isolate, not yet handed to its ScanCounter. */
const gathering = new Map<string, Sent[]>();

type Counters = Pick<Env, "SCAN_COUNTER" | "DURABLE_OBJECT_TIMEOUT_MS">;

/**
 * Hands a scan of the public pages to its profile's ScanCounter after the answer (`waitUntil`), so
 * a visitor never waits on a write. Scans of one profile arriving in this isolate within a few
 * milliseconds travel together in one call: under a conference hall's load the object gets a call
 * per group, not per scan. A scan that cannot be handed over is logged, never thrown at the visitor.
 */
export function sendScan(env: Counters, ctx: { waitUntil(promise: Promise<unknown>): void }, scan: PendingScan, retarget?: Retarget) {
  const profileId = scan.profile_id;
  const joined = gathering.get(profileId);
  if (joined && joined.length < GATHER_MAX) {
    joined.push({ scan, retarget });
    return;
  }
  const group: Sent[] = [{ scan, retarget }];
  gathering.set(profileId, group);
  ctx.waitUntil(
    scheduler
      .wait(GATHER_MS)
      .then(() => {
        if (gathering.get(profileId) === group) gathering.delete(profileId);
        return deliver(env, profileId, group);
      })
      .catch((error: unknown) => logNotCounted(profileId, group.length, error)),
  );
}

async function deliver(env: Counters, profileId: string, group: Sent[]) {
  const result = await recordScans(
    env,
    profileId,
    group.map((s) => s.scan),
  );
  if (result.recorded) return;
  await Promise.all(group.map((sent) => resend(env, sent)));
}

/** A scan of a deleted profile goes where its handle leads now; with no such profile, it is not a scan of anything. */
async function resend(env: Counters, { scan, retarget }: Sent) {
  const profileId = await retarget?.();
  if (!profileId || profileId === scan.profile_id) return;
  await recordScans(env, profileId, [{ ...scan, profile_id: profileId }]).catch((error: unknown) => logNotCounted(profileId, 1, error));
}

const logNotCounted = (profileId: string, scans: number, error: unknown) =>
  console.error(
    JSON.stringify({
      level: isTransient(error) ? "warn" : "error",
      msg: "scans not counted",
      profile_id: profileId,
      scans,
      error: String(error),
    }),
  );
