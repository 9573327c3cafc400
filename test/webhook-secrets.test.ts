import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { open, seal } from "../src/lib/secret-box";
import { ADMIN, call, expectError, newWorkspace, type Tenant } from "./helpers";

/**
 * Retiring a key of WEBHOOK_SECRET_KEYS: `POST /admin/webhook-secrets/reseal` re-encrypts what the
 * older keys sealed with the current one. The suite's ring is `t1` (seals) and `t0` (opens only).
 */

const [T1, T0] = env.WEBHOOK_SECRET_KEYS.split(",") as [string, string];
/** Another deployment's key: what it sealed, this ring cannot open. */
const T9 = "t9:YW5vdGhlci1kZXBsb3ltZW50cy1rZXktMDAwMDAwLTE=";
const RESEAL = "/admin/webhook-secrets/reseal";

let t: Tenant;

beforeEach(async () => {
  t = await newWorkspace();
});

interface Stored {
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  updated_at: string;
}

const stored = (id: string) =>
  env.DB.prepare("SELECT secret, previous_secret, previous_secret_expires_at, updated_at FROM webhooks WHERE id = ?")
    .bind(id)
    .first<Stored>();

/** Registers an endpoint and answers its id and the secret it was given. */
async function register(url = "https://receiver.example/hook") {
  const res = await call("POST", "/v1/webhooks", { key: t.key, body: { url, events: ["contact.created"] } });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

/** Seals the endpoint's secrets again with `ring` (as an older deployment did). */
async function sealWith(ring: string, id: string, secret: string, previous?: { secret: string; expiresAt: string }) {
  await env.DB.prepare("UPDATE webhooks SET secret = ?, previous_secret = ?, previous_secret_expires_at = ? WHERE id = ?")
    .bind(await seal(ring, id, secret), previous ? await seal(ring, id, previous.secret) : null, previous?.expiresAt ?? null, id)
    .run();
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe("POST /admin/webhook-secrets/reseal", () => {
  it("re-encrypts secrets sealed with an older key, so the ring can do without it", async () => {
    const plain = await register();
    const rotated = await register("https://receiver.example/rotated");
    const rotation = await call("POST", `/v1/webhooks/${rotated.id}/rotate-secret`, { key: t.key });
    expect(rotation.status).toBe(200);
    const overlap = inAnHour();
    await sealWith(T0, rotated.id, rotation.body.secret, { secret: rotated.secret, expiresAt: overlap });
    await sealWith(T0, plain.id, plain.secret);
    const expired = await register("https://receiver.example/expired");
    await sealWith(T0, expired.id, expired.secret, { secret: "whsec_bygone", expiresAt: "2026-01-01T00:00:00.000Z" });
    const current = await register("https://receiver.example/current");
    const before = Object.fromEntries(await Promise.all([plain, rotated, expired, current].map(async (h) => [h.id, await stored(h.id)])));

    const res = await call("POST", RESEAL, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key_id: "t1", resealed: 3, remaining: 0, unopenable: [] });

    // Each opens with the current key alone, to the same secret; nothing the API shows changed.
    const opened = async (id: string) => {
      const row = (await stored(id))!;
      expect(row.secret).toMatch(/^enc:v1:t1:/);
      expect(row.updated_at).toBe(before[id]!.updated_at);
      return {
        secret: await open(T1, id, row.secret),
        previous: row.previous_secret && (await open(T1, id, row.previous_secret)),
        expires: row.previous_secret_expires_at,
      };
    };
    expect(await opened(plain.id)).toEqual({ secret: plain.secret, previous: null, expires: null });
    expect(await opened(rotated.id)).toEqual({ secret: rotation.body.secret, previous: rotated.secret, expires: overlap });
    // A previous secret past its overlap signs nothing: forgotten, not re-encrypted.
    expect(await opened(expired.id)).toEqual({ secret: expired.secret, previous: null, expires: null });
    // Already sealed with the current key: not touched at all.
    expect(await stored(current.id)).toEqual(before[current.id]);

    const again = await call("POST", RESEAL, { headers: ADMIN });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ key_id: "t1", resealed: 0, remaining: 0, unopenable: [] });
  });

  it("reports what no configured key opens, leaves it as it is, and re-encrypts the rest", async () => {
    const lost = await register();
    const lostPrevious = await register("https://receiver.example/lost-previous");
    const older = await register("https://receiver.example/older");
    const copied = await register("https://receiver.example/copied");
    await sealWith(T9, lost.id, lost.secret);
    await sealWith(T0, older.id, older.secret);
    // A value copied from another endpoint's row: its key is listed, but it is bound to that row and does not open here.
    await env.DB.prepare("UPDATE webhooks SET secret = ? WHERE id = ?")
      .bind(await seal(T0, older.id, older.secret), copied.id)
      .run();
    // Its current secret opens; its previous, still signing for an hour, does not.
    await env.DB.prepare("UPDATE webhooks SET previous_secret = ?, previous_secret_expires_at = ? WHERE id = ?")
      .bind(await seal(T9, lostPrevious.id, "whsec_elsewhere"), inAnHour(), lostPrevious.id)
      .run();
    const untouched = [await stored(lost.id), await stored(lostPrevious.id), await stored(copied.id)];

    const res = await call("POST", RESEAL, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key_id: "t1", resealed: 1, remaining: 0, unopenable: [lost.id, lostPrevious.id, copied.id].sort() });
    expect([await stored(lost.id), await stored(lostPrevious.id), await stored(copied.id)]).toEqual(untouched);
    expect(await open(T1, older.id, (await stored(older.id))!.secret)).toBe(older.secret);

    // The workspace rotates the lost endpoint's secret: it is sealed with the current key and no longer reported.
    await call("DELETE", `/v1/webhooks/${lostPrevious.id}`, { key: t.key });
    await call("DELETE", `/v1/webhooks/${copied.id}`, { key: t.key });
    expect((await call("POST", `/v1/webhooks/${lost.id}/rotate-secret`, { key: t.key })).status).toBe(200);
    await env.DB.prepare("UPDATE webhooks SET previous_secret = NULL, previous_secret_expires_at = NULL WHERE id = ?").bind(lost.id).run();
    expect((await call("POST", RESEAL, { headers: ADMIN })).body).toEqual({ key_id: "t1", resealed: 0, remaining: 0, unopenable: [] });
  });

  it("re-encrypts 100 endpoints a call, and says how many are left", async () => {
    const now = new Date().toISOString();
    const ids = Array.from({ length: 101 }, () => crypto.randomUUID());
    await env.DB.batch(
      await Promise.all(
        ids.map(async (id) =>
          env.DB.prepare(
            "INSERT INTO webhooks (id, workspace_id, url, events, secret, enabled, failed_messages_in_a_row, created_at, updated_at) VALUES (?, ?, ?, '[\"*\"]', ?, 1, 0, ?, ?)",
          ).bind(id, t.workspaceId, "https://receiver.example/many", await seal(T0, id, `whsec_${id}`), now, now),
        ),
      ),
    );
    const first = await call("POST", RESEAL, { headers: ADMIN });
    expect(first.body).toEqual({ key_id: "t1", resealed: 100, remaining: 1, unopenable: [] });
    const second = await call("POST", RESEAL, { headers: ADMIN });
    expect(second.body).toEqual({ key_id: "t1", resealed: 1, remaining: 0, unopenable: [] });
    const rows = await env.DB.prepare("SELECT id, secret FROM webhooks WHERE workspace_id = ?")
      .bind(t.workspaceId)
      .all<{ id: string; secret: string }>();
    expect(rows.results).toHaveLength(101);
    for (const row of rows.results) expect(await open(T1, row.id, row.secret)).toBe(`whsec_${row.id}`);
  });

  it("takes the admin token, and changes nothing without it", async () => {
    const hook = await register();
    await sealWith(T0, hook.id, hook.secret);
    const before = await stored(hook.id);
    const missing = await call("POST", RESEAL);
    expectError(missing, 401, "unauthorized", "Missing admin token");
    expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="cardbox-admin"');
    const wrong = await call("POST", RESEAL, { headers: { Authorization: "Bearer not-the-token" } });
    expectError(wrong, 401, "unauthorized", "Invalid admin token");
    const apiKey = await call("POST", RESEAL, { key: t.key });
    expectError(apiKey, 401, "unauthorized", "Missing admin token");
    expect(await stored(hook.id)).toEqual(before);
    // With the token, it is re-encrypted.
    expect((await call("POST", RESEAL, { headers: ADMIN })).body).toEqual({ key_id: "t1", resealed: 1, remaining: 0, unopenable: [] });
  });

  it("answers 500 naming the setting when the deployment has no key ring", async () => {
    const res = await createApp().fetch(
      new Request(`https://cardbox.test${RESEAL}`, { method: "POST", headers: ADMIN }),
      { ...env, WEBHOOK_SECRET_KEYS: "" } as Env,
      createExecutionContext(),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "internal", error: "Server misconfigured: WEBHOOK_SECRET_KEYS is not set" });
  });
});
