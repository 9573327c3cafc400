import { dbFor } from "../lib/db/client";
import type { Db } from "../lib/db/runner";
import { open } from "../lib/secret-box";
import { claimPendingEvents, unclaimEvents } from "./outbox.data";
import { signWebhook } from "./signature";
import { webhookUrlProblem } from "./ssrf";
import { type AttemptOutcome, fanOut, livePreviousSecret, loadMessage, recordAttempt } from "./webhooks.data";

export type WebhookJob = { kind: "event"; id: string } | { kind: "deliver"; id: string };

export const MAX_ATTEMPTS = 8;
/** How long a receiver has to answer (WEBHOOK_TIMEOUT_MS, 10 s by default). */
const timeoutMs = (env: Env) => Number(env.WEBHOOK_TIMEOUT_MS) || 10_000;
/** Queues accept delays of up to 12 hours. */
const MAX_DELAY_SECONDS = 12 * 60 * 60;

/**
 * Hands outbox events to the queue. Claiming first (a conditional UPDATE) means two requests
 * never send the same event; a failed send releases the claim for the cron sweep.
 */
export async function flushOutbox(env: Env, db: Db = dbFor(env.DB)): Promise<number> {
  const ids = await claimPendingEvents(db);
  if (ids.length === 0) return 0;
  try {
    await env.WEBHOOK_QUEUE.sendBatch(ids.map((id) => ({ body: { kind: "event", id } satisfies WebhookJob })));
  } catch (error) {
    await unclaimEvents(db, ids);
    throw error;
  }
  return ids.length;
}

/** Exponential backoff with ±20 % jitter: base, 2×base, 4×base… (attempt 1 failed → first delay). */
export function retryDelaySeconds(attempt: number, baseSeconds: number, retryAfter?: number | null): number {
  const exponential = baseSeconds * 2 ** (attempt - 1);
  const jittered = exponential * (0.8 + Math.random() * 0.4);
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.round(Math.max(jittered, retryAfter ?? 0))));
}

const parseRetryAfter = (value: string | null): number | null => {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
};

/** One delivery attempt, per Standard Webhooks. Decides what happens next; never throws. */
export async function deliver(env: Env, db: Db, messageId: string): Promise<{ retryInSeconds: number | null }> {
  const loaded = await loadMessage(db, messageId);
  if (loaded?.message.state !== "pending") return { retryInSeconds: null };
  const { message, webhook, event } = loaded;
  const attempt = message.attempts + 1;
  const base: Omit<AttemptOutcome, "status" | "durationMs" | "error" | "state" | "streak"> = {
    messageId,
    webhookId: webhook.id,
    eventId: event.id,
    eventType: event.type,
    attempt,
  };
  if (!webhook.enabled) {
    await recordAttempt(db, { ...base, status: null, durationMs: 0, error: "endpoint is disabled", state: "failed", streak: "keep" });
    return { retryInSeconds: null };
  }
  const problem = webhookUrlProblem(webhook.url, env.WEBHOOK_ALLOW_PRIVATE === "true");
  if (problem) {
    await recordAttempt(db, { ...base, status: null, durationMs: 0, error: `url ${problem}`, state: "failed", streak: "extend" });
    return { retryInSeconds: null };
  }
  const timestamp = Math.floor(Date.now() / 1000);
  const secrets = [await open(env.WEBHOOK_SECRET_KEYS, webhook.id, webhook.secret)];
  const previousSealed = livePreviousSecret(webhook);
  if (previousSealed) {
    // A previous secret no listed key opens (its key removed within the overlap) stops signing; the current one signs on.
    const previous = await open(env.WEBHOOK_SECRET_KEYS, webhook.id, previousSealed).catch((e: unknown) => {
      console.error(
        JSON.stringify({ level: "error", msg: "previous webhook secret does not open", webhook_id: webhook.id, error: String(e) }),
      );
      return undefined;
    });
    if (previous !== undefined) secrets.push(previous);
  }
  const signatures = await Promise.all(secrets.map((s) => signWebhook(s, message.id, timestamp, event.payload)));
  const started = Date.now();
  let status: number | null = null;
  let error: string | null = null;
  let retryAfter: number | null = null;
  try {
    const res = await fetch(webhook.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs(env)),
      headers: {
        "content-type": "application/json",
        "user-agent": "Cardbox-Webhooks/1.0",
        "webhook-id": message.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signatures.join(" "),
      },
      body: event.payload,
    });
    status = res.status;
    retryAfter = parseRetryAfter(res.headers.get("retry-after"));
    await res.body?.cancel();
    if (status >= 300 && status < 400) error = "redirects are not followed";
    else if (status >= 400) error = `HTTP ${status}`;
  } catch (e) {
    error =
      e instanceof Error && e.name === "TimeoutError"
        ? `no answer within ${timeoutMs(env) / 1000} s`
        : `request failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  const durationMs = Date.now() - started;
  const delivered = status !== null && status >= 200 && status < 300;
  if (delivered) {
    await recordAttempt(db, { ...base, status, durationMs, error: null, state: "delivered", streak: "reset" });
    return { retryInSeconds: null };
  }
  if (status === 410) {
    await recordAttempt(db, {
      ...base,
      status,
      durationMs,
      error,
      state: "failed",
      streak: "extend",
      disable: "the endpoint answered 410 Gone",
    });
    return { retryInSeconds: null };
  }
  if (attempt >= MAX_ATTEMPTS) {
    await recordAttempt(db, { ...base, status, durationMs, error, state: "failed", streak: "extend" });
    return { retryInSeconds: null };
  }
  await recordAttempt(db, { ...base, status, durationMs, error, state: "pending", streak: "keep" });
  return { retryInSeconds: retryDelaySeconds(attempt, Number(env.WEBHOOK_RETRY_BASE_SECONDS) || 30, retryAfter) };
}

/** The queue consumer: fans events out to endpoints, and delivers messages with retries. */
export async function handleWebhookBatch(batch: MessageBatch<WebhookJob>, env: Env) {
  const db = dbFor(env.DB);
  for (const msg of batch.messages) {
    const job = msg.body;
    if (job.kind === "event") {
      const ids = await fanOut(db, job.id);
      if (ids.length) await env.WEBHOOK_QUEUE.sendBatch(ids.map((id) => ({ body: { kind: "deliver", id } satisfies WebhookJob })));
      msg.ack();
      continue;
    }
    const { retryInSeconds } = await deliver(env, db, job.id);
    if (retryInSeconds === null) msg.ack();
    else msg.retry({ delaySeconds: retryInSeconds });
  }
}

/** Messages the queue gave up on (the consumer itself kept failing): logged as given up. */
export async function handleDeadLetters(batch: MessageBatch<WebhookJob>, env: Env) {
  const db = dbFor(env.DB);
  for (const msg of batch.messages) {
    const job = msg.body;
    if (job.kind === "deliver") {
      const loaded = await loadMessage(db, job.id);
      if (loaded && loaded.message.state === "pending") {
        await recordAttempt(db, {
          messageId: job.id,
          webhookId: loaded.webhook.id,
          eventId: loaded.event.id,
          eventType: loaded.event.type,
          attempt: loaded.message.attempts + 1,
          status: null,
          durationMs: 0,
          error: "given up: dead-lettered",
          state: "failed",
          streak: "extend",
        });
      }
    }
    console.error(JSON.stringify({ level: "error", msg: "webhook job dead-lettered", job }));
    msg.ack();
  }
}
