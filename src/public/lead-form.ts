import { z } from "@hono/zod-openapi";
import type { LeadInput } from "../contacts/contacts-leads.data";
import { email, text } from "../lib/validation";

/** How long a rendered form may be sent. */
const TOKEN_TTL_MS = 2 * 60 * 60 * 1000;

/** The form's fields as the visitor typed them, to render the form again after a refusal. */
export type LeadFormValues = Partial<Record<"name" | "email" | "phone" | "company" | "job_title" | "note", string>> & { consent?: boolean };
/** A message next to each wrong field. */
export type LeadFormErrors = Partial<Record<keyof LeadFormValues, string>>;

/** An optional field: trimmed, and null when left empty. */
const optional = (schema: z.ZodType<string, string>) =>
  z
    .string()
    .transform((s) => s.trim() || null)
    .pipe(schema.nullable());

const LeadFormSchema = z.object({
  name: z
    .string()
    .transform((s) => s.trim())
    .pipe(text(256, 1)),
  email: optional(email).default(null),
  phone: optional(text(256).refine((s) => /\d/.test(s))).default(null),
  company: optional(text(256)).default(null),
  job_title: optional(text(256)).default(null),
  note: optional(text(2000, 0, { multiline: true })).default(null),
  consent: z.literal("yes"),
});

const MESSAGES: Record<keyof LeadFormValues, string> = {
  name: "Please enter your name (at most 256 characters)",
  email: "Please enter a valid email address",
  phone: "Please enter a phone number, with digits",
  consent: "Please tick the box to agree to share your details",
  company: "Company is at most 256 characters",
  job_title: "Job title is at most 256 characters",
  note: "Note is at most 2,000 characters",
};

/** Reads a submitted form: the lead, or the values to show again with a message per wrong field. */
export function readLeadForm(
  form: Record<string, unknown>,
): { ok: true; lead: Omit<LeadInput, "via"> } | { ok: false; values: LeadFormValues; errors: LeadFormErrors } {
  const parsed = LeadFormSchema.safeParse(form);
  if (parsed.success) {
    const { consent: _consent, ...lead } = parsed.data;
    return { ok: true, lead };
  }
  const errors: LeadFormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as keyof LeadFormValues;
    errors[field] ??= MESSAGES[field];
  }
  const values: LeadFormValues = { consent: form.consent === "yes" };
  for (const key of ["name", "email", "phone", "company", "job_title", "note"] as const) {
    if (typeof form[key] === "string") values[key] = form[key];
  }
  return { ok: false, values, errors };
}

const encoder = new TextEncoder();

async function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(`cardbox-lead-form\0${secret}`), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

const toHex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

/**
 * The form's CSRF token: its expiry and an HMAC of the expiry and the handle, keyed with a Worker
 * secret (the webhook secret keys, domain-separated), so a token works only on its own card and
 * for two hours.
 */
export async function formToken(secret: string, handle: string, now = Date.now()): Promise<string> {
  const expires = now + TOKEN_TTL_MS;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${handle}\0${expires}`));
  return `${expires}.${toHex(mac)}`;
}

/** Whether the token was made for this handle by this Worker and has not expired. */
export async function validFormToken(secret: string, handle: string, token: unknown, now = Date.now()): Promise<boolean> {
  if (typeof token !== "string") return false;
  const match = /^(\d{13})\.([0-9a-f]{64})$/.exec(token);
  if (!match) return false;
  const expires = Number(match[1]);
  if (expires < now || expires > now + TOKEN_TTL_MS) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), fromHex(match[2]!), encoder.encode(`${handle}\0${expires}`));
}

/** Settings for Cloudflare Turnstile on the lead form: required when the secret is set. */
export interface TurnstileSettings {
  TURNSTILE_SECRET?: string;
  TURNSTILE_SITE_KEY?: string;
  /** Where tokens are verified; a local stub in tests. */
  TURNSTILE_VERIFY_URL?: string;
}

const TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify";

/** Asks Turnstile whether the widget's token is good (true when Turnstile is not configured). */
export async function passesTurnstile(settings: TurnstileSettings, token: unknown, ip: string | undefined): Promise<boolean> {
  if (!settings.TURNSTILE_SECRET) return true;
  if (typeof token !== "string" || token === "") return false;
  const body = new URLSearchParams({ secret: settings.TURNSTILE_SECRET, response: token });
  if (ip) body.set("remoteip", ip);
  const res = await fetch(settings.TURNSTILE_VERIFY_URL || TURNSTILE_VERIFY_URL, { method: "POST", body });
  if (!res.ok) return false;
  const outcome = (await res.json()) as { success?: boolean };
  return outcome.success === true;
}
