import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { dbFor } from "../src/lib/db/client";
import type { Db } from "../src/lib/db/runner";
import { open, seal } from "../src/lib/secret-box";
import { resealSecrets, rotateSecret } from "../src/webhooks/webhooks.data";
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

    // The workspace rotates their secrets: each new one is sealed with the current key, and one that
    // did not open is not kept as the previous secret (it could sign nothing). None is reported now.
    for (const [hook, previous] of [
      [lost, null],
      [lostPrevious, lostPrevious.secret],
      [copied, null],
    ] as const) {
      const rotated = await call("POST", `/v1/webhooks/${hook.id}/rotate-secret`, { key: t.key });
      expect(rotated.status).toBe(200);
      const row = (await stored(hook.id))!;
      expect(await open(T1, hook.id, row.secret)).toBe(rotated.body.secret);
      expect(row.previous_secret && (await open(T1, hook.id, row.previous_secret))).toBe(previous);
      expect(row.previous_secret_expires_at === null).toBe(previous === null);
      expect(rotated.body.previous_secret_expires_at).toBe(row.previous_secret_expires_at);
    }
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

  it("goes past rows that do not open, however many come first", async () => {
    const now = new Date().toISOString();
    const insert = async (id: string, sealed: string) =>
      env.DB.prepare(
        "INSERT INTO webhooks (id, workspace_id, url, events, secret, enabled, failed_messages_in_a_row, created_at, updated_at) VALUES (?, ?, ?, '[\"*\"]', ?, 1, 0, ?, ?)",
      ).bind(id, t.workspaceId, "https://receiver.example/first", sealed, now, now);
    // 100 values sealed with a listed key for another row, with ids that sort before every other.
    const damaged = Array.from({ length: 100 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    const elsewhere = await seal(T0, "another-row", "whsec_elsewhere");
    await env.DB.batch(await Promise.all(damaged.map((id) => insert(id, elsewhere))));
    const good = await register("https://receiver.example/after");
    await sealWith(T0, good.id, good.secret);

    const res = await call("POST", RESEAL, { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key_id: "t1", resealed: 1, remaining: 0, unopenable: damaged });
    expect(await open(T1, good.id, (await stored(good.id))!.secret)).toBe(good.secret);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM webhooks WHERE secret = ?").bind(elsewhere).first<{ n: number }>();
    expect(left!.n).toBe(100);
    await env.DB.prepare("DELETE FROM webhooks WHERE secret = ?").bind(elsewhere).run();
  });

  it("lets a rotation go ahead over a reseal in between, and refuses one that lost to another rotation", async () => {
    const db = dbFor(env.DB);
    /** `db`, with `meanwhile` run just before the rotation's write (its second statement, after its read). */
    const racing = (meanwhile: () => Promise<unknown>) => {
      let statements = 0;
      const raced = Object.create(db) as Db;
      raced.first = async (query) => {
        if (++statements === 2) await meanwhile();
        return db.first(query);
      };
      return raced;
    };
    const hook = await register();
    await sealWith(T0, hook.id, hook.secret);
    const rotated = await rotateSecret(
      racing(() => resealSecrets(db, env.WEBHOOK_SECRET_KEYS)),
      env.WEBHOOK_SECRET_KEYS,
      t.workspaceId,
      hook.id,
    );
    const row = (await stored(hook.id))!;
    expect(row.secret).toMatch(/^enc:v1:t1:/);
    expect(await open(T1, hook.id, row.secret)).toBe(rotated.secret);
    expect(await open(T1, hook.id, row.previous_secret!)).toBe(hook.secret);

    let other = "";
    const losing = racing(async () => {
      other = (await rotateSecret(db, env.WEBHOOK_SECRET_KEYS, t.workspaceId, hook.id)).secret;
    });
    await expect(rotateSecret(losing, env.WEBHOOK_SECRET_KEYS, t.workspaceId, hook.id)).rejects.toMatchObject({
      code: "conflict",
      message: "The secret was rotated by another request; rotate again to get a secret of your own",
    });
    const after = (await stored(hook.id))!;
    expect(await open(T1, hook.id, after.secret)).toBe(other);
    expect(await open(T1, hook.id, after.previous_secret!)).toBe(rotated.secret);
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
    // It takes no body: a limit asked for is refused, not ignored.
    expectError(await call("POST", RESEAL, { headers: ADMIN, body: { limit: 5 } }), 400, "validation_failed", "limit is not a known field");
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
