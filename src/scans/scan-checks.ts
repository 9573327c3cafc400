import { dbFor } from "../lib/db/client";
import type { ScanCounts } from "./scan-tallies";
import { checkScans, type PendingScan, type ScanCheck } from "./scans.data";

/**
 * An API caller's scan, recorded if D1 says the profile is visible to the caller (its own, or
 * public) and, when `keyId` is given, that the caller's key is still live (the proof its request
 * would otherwise have carried in a round trip of its own, see keys/key-proof.ts).
 */
export interface CheckedScan {
  scan: PendingScan;
  keyId?: string;
}

/** What became of a checked scan: the counts right after it, and the owner's workspace. */
export type CheckedResult =
  | { recorded: true; counts: ScanCounts; workspaceId: string; keyLive: boolean }
  | { recorded: false; keyLive: boolean };

/** Records scans that passed their check; answers the counts after them, or nothing if the profile is gone. */
export type KeepScans = (scans: PendingScan[]) => Promise<ScanCounts | undefined>;

interface Waiting {
  scan: CheckedScan;
  resolve: (result: CheckedResult) => void;
  reject: (error: unknown) => void;
}

/** The most API scans checked in one D1 round trip. */
const CHECK_GROUP = 100;

/**
 * One profile's API scans on their way into its ScanCounter. Each must be checked in D1 first; a
 * hot card gets many at once, so while one check is in flight the scans that arrive wait and are
 * checked together in the next: a conference stand costs one read per group, not per scan. Each
 * caller still gets the exact counts right after its own scan.
 */
export class ScanChecks {
  private waiting: Waiting[] = [];
  /** Whether a group is being checked (or about to be). */
  private checking = false;

  constructor(
    private readonly env: Pick<Env, "DB">,
    private readonly keep: KeepScans,
  ) {}

  add(scan: CheckedScan): Promise<CheckedResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ scan, resolve, reject });
      if (!this.checking) {
        this.checking = true;
        // One turn of the event loop first, so scans arriving at the same moment start in one group.
        setTimeout(() => void this.checkWaiting(), 0);
      }
    });
  }

  /** Checks and records the waiting scans, group after group. */
  private async checkWaiting() {
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, CHECK_GROUP);
        try {
          const check = await checkScans(dbFor(this.env.DB), group[0]!.scan.scan.profile_id, keyIdsOf(group));
          await this.recordGroup(group, check);
        } catch (error) {
          for (const w of group) w.reject(error);
        }
      }
    } finally {
      this.checking = false;
    }
  }

  /** Records the group's scans that passed their check; each caller gets the counts right after its own. */
  private async recordGroup(group: Waiting[], check: ScanCheck) {
    const outcomes = group.map(({ scan: { scan, keyId } }) => {
      const keyLive = keyId === undefined || check.liveKeys.has(keyId);
      const visible = check.workspaceId !== undefined && (check.public || check.workspaceId === scan.caller);
      return { keyLive, passed: keyLive && visible };
    });
    const after = await this.keep(group.filter((_, i) => outcomes[i]!.passed).map((w) => w.scan.scan));
    const counts = after && { ...after };
    for (let i = group.length - 1; i >= 0; i--) {
      const { keyLive, passed } = outcomes[i]!;
      if (!passed || !counts) {
        group[i]!.resolve({ recorded: false, keyLive });
        continue;
      }
      const { source } = group[i]!.scan.scan;
      group[i]!.resolve({ recorded: true, counts: { ...counts }, workspaceId: check.workspaceId!, keyLive });
      counts.total--;
      counts[source]--;
    }
  }
}

/** The distinct keys a group's scans must prove live. */
const keyIdsOf = (group: Waiting[]) => [...new Set(group.flatMap((w) => (w.scan.keyId === undefined ? [] : [w.scan.keyId])))];
