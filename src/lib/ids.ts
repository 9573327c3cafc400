/**
 * A UUID v7 (RFC 9562): a millisecond timestamp then random bits, so new rows land at the end
 * of the primary-key B-tree instead of scattering across it.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = crypto.getRandomValues(RANDOM);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms & 0xff;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  // Spelled out: mapping the bytes through Array.from was a quarter of a QR redirect's CPU time.
  const h = (i: number) => HEX[bytes[i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/** The two hex digits of each byte. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
/** Filled anew for each id (nothing awaits in between, so one buffer serves the isolate). */
const RANDOM = new Uint8Array(16);

/** Current time as ISO 8601 UTC with milliseconds, the API's one timestamp format. */
export const nowIso = (): string => new Date().toISOString();
