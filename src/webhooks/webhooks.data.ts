import { and, asc, eq, gt, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { AnySQLiteColumn } from "drizzle-orm/sqlite-core";
import { findFirst, selectPage, unchangedSince } from "../lib/db/pages";
import { type Db, rowCount } from "../lib/db/runner";
import { ApiError, notFound } from "../lib/errors";
import { type Precondition, preconditionFailed } from "../lib/etag";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import { keyIds, open, reseal, seal } from "../lib/secret-box";
import { newEventId, outboxEvent } from "./outbox.data";
import { newWebhookSecret } from "./signature";
import { type Webhook, webhookDeliveries, webhookEvents, webhookMessages, webhooks } from "./webhooks.table";

/** A previous secret keeps signing for this long after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

export function toWebhook(w: Webhook) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    enabled: w.enabled,
    disabled_reason: w.disabledReason,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

/**
 * Registers an endpoint. Its signing secret is answered once, here, and kept only encrypted
 * (`keys`: the deployment's WEBHOOK_SECRET_KEYS, see lib/secret-box.ts).
 */
export async function createWebhook(
  db: Db,
  keys: string | undefined,
  workspaceId: string,
  input: { url: string; events: string[]; description?: string | null },
) {
  const now = nowIso();
  const id = uuidv7();
  const secret = newWebhookSecret();
  const row: Webhook = {
    id,
    workspaceId,
    url: input.url,
    events: input.events,
    description: input.description ?? null,
    secret: await seal(keys, id, secret),
    previousSecret: null,
    previousSecretExpiresAt: null,
    enabled: true,
    disabledReason: null,
    failedMessagesInARow: 0,
    createdAt: now,
    updatedAt: now,
  };
  await db.run(db.orm.insert(webhooks).values(row));
  return { row, secret };
}

export const findWebhook = (db: Db, workspaceId: string, id: string) =>
  findFirst(db, webhooks, and(eq(webhooks.workspaceId, workspaceId), eq(webhooks.id, id)));

export async function requireWebhook(db: Db, workspaceId: string, id: string) {
  const found = await findWebhook(db, workspaceId, id);
  if (!found) throw notFound("Webhook");
  return found;
}

export const listWebhooks = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, webhooks, eq(webhooks.workspaceId, workspaceId), [webhooks.createdAt, webhooks.id], page);

const byWebhook = (workspaceId: string, id: string) => and(eq(webhooks.workspaceId, workspaceId), eq(webhooks.id, id));

/** Changes an endpoint. With If-Match, 412 when it changed since it was read. */
export async function updateWebhook(
  db: Db,
  workspaceId: string,
  id: string,
  input: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
  expect?: Precondition<Webhook>,
) {
  const unchanged = expect && (await unchangedSince(db, webhooks, byWebhook(workspaceId, id), expect, "Webhook"));
  const row = await db.first(
    db.orm
      .update(webhooks)
      .set({
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: input.events } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        // Re-enabling clears the reason and the failure streak.
        ...(input.enabled !== undefined
          ? { enabled: input.enabled, disabledReason: input.enabled ? null : "disabled by the API", failedMessagesInARow: 0 }
          : {}),
        updatedAt: nowIso(),
      })
      .where(and(byWebhook(workspaceId, id), unchanged))
      .returning(),
  );
  if (!row) throw unchanged ? preconditionFailed() : notFound("Webhook");
  return row;
}

export async function deleteWebhook(db: Db, workspaceId: string, id: string, expect?: Precondition<Webhook>) {
  const unchanged = expect && (await unchangedSince(db, webhooks, byWebhook(workspaceId, id), expect, "Webhook"));
  const rows = await db.all(
    db.orm
      .delete(webhooks)
      .where(and(byWebhook(workspaceId, id), unchanged))
      .returning({ id: webhooks.id }),
  );
  if (rows.length === 0) throw unchanged ? preconditionFailed() : notFound("Webhook");
}

/** The endpoint's previous secret (sealed) while it still signs, within its overlap after a rotation; else null. */
export const livePreviousSecret = (w: Pick<Webhook, "previousSecret" | "previousSecretExpiresAt">, now = nowIso()) =>
  w.previousSecret !== null && w.previousSecretExpiresAt !== null && w.previousSecretExpiresAt > now ? w.previousSecret : null;

/**
 * A new signing secret (answered once); the current one keeps signing too until it expires, if it
 * opens (one sealed with a key since removed could sign nothing). Two rotations at once: the
 * first wins and the other is 409. A reseal in between (the same secret, encrypted anew) is not a
 * rotation: the rotation reads the endpoint again and goes ahead.
 */
export async function rotateSecret(db: Db, keys: string | undefined, workspaceId: string, id: string) {
  let current = await requireWebhook(db, workspaceId, id);
  const secret = newWebhookSecret();
  const sealed = await seal(keys, id, secret);
  const opened = (value: string) => open(keys, id, value).catch(() => undefined);
  for (let read = 1; read <= 2; read++) {
    const replaced = await opened(current.secret);
    const now = Date.now();
    const row = await db.first(
      db.orm
        .update(webhooks)
        .set({
          secret: sealed,
          previousSecret: replaced === undefined ? null : current.secret,
          previousSecretExpiresAt: replaced === undefined ? null : new Date(now + SECRET_OVERLAP_MS).toISOString(),
          updatedAt: new Date(now).toISOString(),
        })
        .where(and(eq(webhooks.id, id), eq(webhooks.secret, current.secret)))
        .returning(),
    );
    if (row) return { row, secret };
    const changed = await requireWebhook(db, workspaceId, id);
    if (replaced === undefined || (await opened(changed.secret)) !== replaced) break;
    current = changed;
  }
  throw new ApiError("conflict", "The secret was rotated by another request; rotate again to get a secret of your own");
}

/** The most endpoints one reseal call rewrites (one D1 batch, unless rows that do not open are passed over). */
export const RESEAL_BATCH = 100;

/** The key id in a sealed column (`enc:v1:<kid>:…`), in SQL. */
const keyIdOf = (column: AnySQLiteColumn) => sql`substr(${column}, 8, instr(substr(${column}, 8), ':') - 1)`;
const keyIn = (column: AnySQLiteColumn, ids: string[]) => sql`${keyIdOf(column)} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
const keyNotIn = (column: AnySQLiteColumn, ids: string[]) =>
  sql`${keyIdOf(column)} NOT IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;

export interface ResealResult {
  /** The key every secret is sealed with now. */
  keyId: string;
  resealed: number;
  /** Endpoints still sealed with another configured key: call again. */
  remaining: number;
  /** Endpoints with a live secret no configured key opens (the first 100 ids): sealed with a key since removed, or damaged. */
  unopenable: string[];
}

/**
 * Re-encrypts the signing secrets sealed with an older key of the ring (WEBHOOK_SECRET_KEYS) with
 * its current key, up to `RESEAL_BATCH` endpoints a call, so the older key can then be removed. A
 * previous secret past its overlap signs nothing any more and is forgotten instead. Each endpoint
 * is rewritten only if its secrets are still the ones read (a rotation in between wins); its
 * `updated_at` and ETag stay, since nothing the API shows changes.
 */
export async function resealSecrets(db: Db, keys: string | undefined, now = nowIso()): Promise<ResealResult> {
  const { current, all } = await keyIds(keys);
  const older = all.filter((id) => id !== current);
  const livePrevious = sql`(${webhooks.previousSecret} IS NOT NULL AND ifnull(${webhooks.previousSecretExpiresAt} > ${now}, 0))`;
  // Sealed with a key the ring no longer has: no call can open it, so it is reported, not retried.
  const unopenable = or(keyNotIn(webhooks.secret, all), and(livePrevious, keyNotIn(webhooks.previousSecret, all)));
  const due = and(
    or(keyIn(webhooks.secret, older), and(livePrevious, keyIn(webhooks.previousSecret, older))),
    sql`NOT (${unopenable})`,
  ) as SQL;
  const written: { id: string }[][] = [];
  const damaged: string[] = [];
  // Page by id past the rows that did not open, so they never take a whole call's batch.
  let after = "";
  while (written.length < RESEAL_BATCH) {
    const rows = await db.all(
      db.orm
        .select({
          id: webhooks.id,
          secret: webhooks.secret,
          previousSecret: webhooks.previousSecret,
          previousSecretExpiresAt: webhooks.previousSecretExpiresAt,
        })
        .from(webhooks)
        .where(and(due, gt(webhooks.id, after)))
        .orderBy(asc(webhooks.id))
        .limit(rowCount(RESEAL_BATCH - written.length)),
    );
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    // Sealed first, then the statements: a Drizzle query is a thenable, which an async function would run.
    // A value its key does not open (damaged, or bound to another row) is reported with the unopenable.
    const sealed = await Promise.all(
      rows.map(async (row) => {
        const previous = livePreviousSecret(row, now);
        try {
          return {
            secret: await reseal(keys, row.id, row.secret),
            previousSecret: previous && (await reseal(keys, row.id, previous)),
            previousSecretExpiresAt: previous && row.previousSecretExpiresAt,
          };
        } catch {
          return undefined;
        }
      }),
    );
    damaged.push(...rows.filter((_, i) => !sealed[i]).map((row) => row.id));
    const updates = rows.flatMap((row, i) => (sealed[i] ? [resealUpdate(db, row, sealed[i])] : []));
    if (updates.length > 0) written.push(...(await db.batch(updates as [Update, ...Update[]])));
  }
  const [[left], stuck] = await db.batch([
    db.orm.select({ n: sql<number>`count(*)` }).from(webhooks).where(due),
    db.orm.select({ id: webhooks.id }).from(webhooks).where(unopenable).orderBy(asc(webhooks.id)).limit(rowCount(100)),
  ]);
  return {
    keyId: current,
    resealed: written.filter((changed) => changed.length > 0).length,
    remaining: Math.max(0, left!.n - damaged.length),
    unopenable: [...new Set([...stuck.map((r) => r.id), ...damaged])].sort().slice(0, 100),
  };
}

type Update = ReturnType<typeof resealUpdate>;

/** Rewrites one endpoint's sealed secrets, if they are still the ones `read`. */
function resealUpdate(
  db: Db,
  read: { id: string; secret: string; previousSecret: string | null },
  sealed: Pick<Webhook, "secret" | "previousSecret" | "previousSecretExpiresAt">,
) {
  return db.orm
    .update(webhooks)
    .set(sealed)
    .where(
      and(
        eq(webhooks.id, read.id),
        eq(webhooks.secret, read.secret),
        read.previousSecret === null ? isNull(webhooks.previousSecret) : eq(webhooks.previousSecret, read.previousSecret),
      ),
    )
    .returning({ id: webhooks.id });
}

/** A `webhook.test` event for one endpoint. */
export async function createTestEvent(db: Db, webhook: Webhook) {
  const id = newEventId();
  await db.run(
    outboxEvent(
      db,
      webhook.workspaceId,
      "webhook.test",
      {
        data: sql`json_object('webhook_id', ${webhook.id})`,
        afterChange: false,
        onlyWebhook: webhook.id,
      },
      id,
    ),
  );
  return id;
}

/** Makes one message per subscribed, enabled endpoint; answers the ids of the new messages. */
export async function fanOut(db: Db, eventId: string): Promise<string[]> {
  const event = await findFirst(db, webhookEvents, eq(webhookEvents.id, eventId));
  if (!event || event.fannedOutAt) return [];
  const endpoints = await db.all(
    db.orm
      .select({ id: webhooks.id, events: webhooks.events })
      .from(webhooks)
      .where(
        and(
          eq(webhooks.workspaceId, event.workspaceId),
          eq(webhooks.enabled, true),
          event.onlyWebhookId ? eq(webhooks.id, event.onlyWebhookId) : undefined,
        ),
      ),
  );
  const now = nowIso();
  const targets = endpoints.filter((w) => event.onlyWebhookId || w.events.includes("*") || w.events.includes(event.type));
  const messages = targets.map((w) => ({
    id: `msg_${uuidv7().replace(/-/g, "")}`,
    eventId,
    webhookId: w.id,
    state: "pending" as const,
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  }));
  const markDone = db.orm.update(webhookEvents).set({ fannedOutAt: now }).where(eq(webhookEvents.id, eventId));
  if (messages.length === 0) {
    await db.run(markDone);
    return [];
  }
  // D1 binds at most 100 variables a statement: the messages go in as many inserts as that takes, in one batch.
  const perInsert = Math.floor(D1_MAX_BOUND_VARIABLES / Object.keys(messages[0]!).length);
  const inserts = Array.from({ length: Math.ceil(messages.length / perInsert) }, (_, i) =>
    db.orm
      .insert(webhookMessages)
      .values(messages.slice(i * perInsert, (i + 1) * perInsert))
      .onConflictDoNothing()
      .returning({ id: webhookMessages.id }),
  );
  const results = await db.batch([markDone, ...inserts]);
  return (results.slice(1) as { id: string }[][]).flat().map((m) => m.id);
}

/** How many variables D1 binds to one statement. */
const D1_MAX_BOUND_VARIABLES = 100;

export async function loadMessage(db: Db, messageId: string) {
  return db.first(
    db.orm
      .select({ message: webhookMessages, webhook: webhooks, event: webhookEvents })
      .from(webhookMessages)
      .innerJoin(webhooks, eq(webhooks.id, webhookMessages.webhookId))
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookMessages.eventId))
      .where(eq(webhookMessages.id, messageId))
      .limit(rowCount(1)),
  );
}

export interface AttemptOutcome {
  messageId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: number | null;
  durationMs: number;
  error: string | null;
  /** What the message becomes: still pending (a retry follows), delivered or failed. */
  state: "pending" | "delivered" | "failed";
  /** Set when this attempt disables the endpoint. */
  disable?: string;
  /** Whether a given-up message extends the endpoint's failure streak (a success resets it). */
  streak: "reset" | "extend" | "keep";
}

/** The endpoint is disabled after this many messages in a row were given up. */
export const FAILED_MESSAGES_TO_DISABLE = 8;

/** Logs one attempt and applies its outcome to the message and the endpoint, in one batch. */
export async function recordAttempt(db: Db, o: AttemptOutcome) {
  const now = nowIso();
  const streak =
    o.streak === "reset"
      ? { failedMessagesInARow: 0 }
      : o.streak === "extend"
        ? { failedMessagesInARow: sql`${webhooks.failedMessagesInARow} + 1` }
        : {};
  await db.batch([
    db.orm.insert(webhookDeliveries).values({
      id: uuidv7(),
      webhookId: o.webhookId,
      messageId: o.messageId,
      eventId: o.eventId,
      eventType: o.eventType,
      attempt: o.attempt,
      status: o.status,
      durationMs: o.durationMs,
      error: o.error,
      attemptedAt: now,
    }),
    db.orm.update(webhookMessages).set({ attempts: o.attempt, state: o.state, updatedAt: now }).where(eq(webhookMessages.id, o.messageId)),
    db.orm
      .update(webhooks)
      .set({ ...streak, updatedAt: now })
      .where(eq(webhooks.id, o.webhookId)),
    db.orm
      .update(webhooks)
      .set({ enabled: false, disabledReason: o.disable ?? `${FAILED_MESSAGES_TO_DISABLE} deliveries in a row failed`, updatedAt: now })
      .where(
        and(eq(webhooks.id, o.webhookId), o.disable ? undefined : sql`${webhooks.failedMessagesInARow} >= ${FAILED_MESSAGES_TO_DISABLE}`),
      ),
  ]);
}

export function toDelivery(d: typeof webhookDeliveries.$inferSelect) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    attempt: d.attempt,
    status: d.status,
    duration_ms: d.durationMs,
    error: d.error,
    attempted_at: d.attemptedAt,
  };
}

export const listDeliveries = (db: Db, webhookId: string, page: PageRequest) =>
  selectPage(
    db,
    webhookDeliveries,
    eq(webhookDeliveries.webhookId, webhookId),
    [webhookDeliveries.attemptedAt, webhookDeliveries.id],
    page,
  );

/** Puts the message behind a logged delivery back to pending; answers its id. */
export async function reopenMessage(db: Db, webhookId: string, deliveryId: string) {
  const delivery = await findFirst(
    db,
    webhookDeliveries,
    and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.id, deliveryId)),
  );
  if (!delivery) throw notFound("Delivery");
  await db.run(
    db.orm.update(webhookMessages).set({ state: "pending", updatedAt: nowIso() }).where(eq(webhookMessages.id, delivery.messageId)),
  );
  return delivery.messageId;
}

/** Forgets previous secrets whose overlap has ended (the scheduled purge). */
export async function forgetExpiredSecrets(db: Db, now = Date.now()) {
  await db.run(
    db.orm
      .update(webhooks)
      .set({ previousSecret: null, previousSecretExpiresAt: null })
      .where(lt(webhooks.previousSecretExpiresAt, new Date(now).toISOString())),
  );
}
