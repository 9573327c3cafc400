import { ApiError } from "./errors";

/**
 * Secrets kept at rest encrypted with AES-256-GCM under a key the Worker holds (a Worker secret,
 * never in D1). The key ring is `kid:base64key[,kid:base64key…]`: the first key encrypts, every key
 * decrypts, so a key rotates by putting a new one first and re-encrypting before the old one goes.
 * A sealed value is `enc:v1:<kid>:<base64(iv ‖ ciphertext)>`, bound to its row by associated data
 * (the row's id), so a value copied into another row does not open.
 */

const PREFIX = "enc:v1:";

interface KeyRing {
  current: { id: string; key: CryptoKey };
  byId: Map<string, CryptoKey>;
}

const rings = new Map<string, Promise<KeyRing>>();

/** The deployment forgot to set its encryption key: a loud 500 (and its log), never a plaintext secret. */
const missingKeys = () => new ApiError("internal", "Server misconfigured: WEBHOOK_SECRET_KEYS is not set");

async function importRing(configured: string): Promise<KeyRing> {
  const entries = configured
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw missingKeys();
  const keys = await Promise.all(
    entries.map(async (entry) => {
      const [id, material] = entry.split(":");
      const raw = Uint8Array.from(atob(material ?? ""), (ch) => ch.charCodeAt(0));
      if (!id || raw.length !== 32) throw new Error("WEBHOOK_SECRET_KEYS: each entry must be kid:base64 of 32 bytes");
      return { id, key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]) };
    }),
  );
  return { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k.key])) };
}

function ringFor(configured: string | undefined): Promise<KeyRing> {
  if (!configured?.trim()) return Promise.reject(missingKeys());
  let ring = rings.get(configured);
  if (!ring) {
    ring = importRing(configured);
    rings.set(configured, ring);
  }
  return ring;
}

/** The ring's key ids: the one that seals (`current`) and every one that opens (`all`, current first). */
export async function keyIds(keys: string | undefined): Promise<{ current: string; all: string[] }> {
  const ring = await ringFor(keys);
  return { current: ring.current.id, all: [...ring.byId.keys()] };
}

function sealedParts(sealed: string): [id: string, data: string | undefined] {
  if (!sealed.startsWith(PREFIX)) throw new Error("not a sealed value");
  const [id, data] = sealed.slice(PREFIX.length).split(":");
  return [id ?? "", data];
}

/** The value sealed with the ring's current key: `sealed` itself when it already is, else opened and sealed again. */
export async function reseal(keys: string | undefined, rowId: string, sealed: string): Promise<string> {
  const { current } = await ringFor(keys);
  return sealedParts(sealed)[0] === current.id ? sealed : seal(keys, rowId, await open(keys, rowId, sealed));
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** Encrypts `plaintext` for the row `rowId` with the ring's current key. */
export async function seal(keys: string | undefined, rowId: string, plaintext: string): Promise<string> {
  const { current } = await ringFor(keys);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(rowId) },
      current.key,
      new TextEncoder().encode(plaintext),
    ),
  );
  const out = new Uint8Array(iv.length + sealed.length);
  out.set(iv);
  out.set(sealed, iv.length);
  return `${PREFIX}${current.id}:${toBase64(out)}`;
}

/** Decrypts a value `seal` made for the row `rowId`. */
export async function open(keys: string | undefined, rowId: string, sealed: string): Promise<string> {
  const [id, data] = sealedParts(sealed);
  const key = (await ringFor(keys)).byId.get(id);
  if (!key || !data) throw new Error(`no key "${id}" in WEBHOOK_SECRET_KEYS to open this value`);
  const bytes = fromBase64(data);
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: new TextEncoder().encode(rowId) },
    key,
    bytes.slice(12),
  );
  return new TextDecoder().decode(plain);
}
