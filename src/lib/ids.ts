/**
 * A UUID v7 (RFC 9562): a millisecond timestamp then random bits, so new rows land at the end
 * of the primary-key B-tree instead of scattering across it.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomId();
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms & 0xff;
    ms = Math.floor(ms / 256);
  }
  return formatUuid(bytes, 0x70);
}

/** A random UUID (v4), as `crypto.randomUUID` makes but from the pool: a request id for every request. */
export const uuidv4 = (): string => formatUuid(randomId(), 0x40);

/** Sets the version and variant bits of 16 bytes and spells them as a UUID. */
function formatUuid(bytes: Uint8Array, version: 0x40 | 0x70): string {
  bytes[6] = (bytes[6]! & 0x0f) | version;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  // Spelled out: mapping the bytes through Array.from was a quarter of a QR redirect's CPU time.
  const h = (i: number) => HEX[bytes[i]!]!;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}

/** The two hex digits of each byte. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
/**
 * Random bytes for ids, drawn from the runtime's CSPRNG 4 KiB at a time: a call into it per id was
 * a tenth of a QR redirect's CPU time (two ids each, the request's and the scan's). Each id takes
 * its own 16 bytes, never handed out twice; ids are unique, not secret (secrets and tokens take
 * theirs from `crypto.getRandomValues` directly).
 */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;
/** The bytes of the next id, from a buffer that serves the isolate (nothing awaits while an id is made). */
const ID_BYTES = new Uint8Array(16);

function randomId(): Uint8Array {
  if (poolAt === POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  ID_BYTES.set(POOL.subarray(poolAt, poolAt + 16));
  poolAt += 16;
  return ID_BYTES;
}

/** Current time as ISO 8601 UTC with milliseconds, the API's one timestamp format. */
export const nowIso = (): string => new Date().toISOString();
