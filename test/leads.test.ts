import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../src/app";
import { formToken } from "../src/public/lead-form";
import { type Answer, BASE, call, expectError, ISO_MS, newWorkspace, PHONE_UA, type Tenant, visit } from "./helpers";

let owner: Tenant;
let seq = 0;

beforeAll(async () => {
  owner = await newWorkspace("business");
  const hook = await call("POST", "/v1/webhooks", { key: owner.key, body: { url: "https://receiver.example/leads", events: ["*"] } });
  expect(hook.status).toBe(201);
});

async function newCard(tenant: Tenant = owner, fields: Record<string, unknown> = {}) {
  const res = await call("POST", "/v1/profiles", {
    key: tenant.key,
    body: { handle: `lead-${Date.now() % 1e6}-${++seq}`, name: "Ada Lovelace", ...fields },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; handle: string; lead_capture: string };
}

/** The hidden field's value in the card's form. */
const hidden = (page: string, name: string) => new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"/>`).exec(page)?.[1];

/** Posts the card's form as a browser does (urlencoded, a phone's user agent). */
async function submit(handle: string, fields: Record<string, string>, contentType = "application/x-www-form-urlencoded"): Promise<Answer> {
  const res = await exports.default.fetch(
    new Request(`${BASE}/p/${handle}/connect`, {
      method: "POST",
      headers: { "content-type": contentType, "user-agent": PHONE_UA },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    }),
  );
  return { status: res.status, headers: res.headers, text: await res.text(), body: undefined };
}

/** A whole, good submission for the card, with a token from its page. */
async function goodForm(handle: string, via: "qr" | "web" = "web") {
  const page = await visit(`/p/${handle}${via === "qr" ? "?via=qr" : ""}`);
  return {
    csrf: hidden(page.text, "csrf")!,
    via: hidden(page.text, "via")!,
    website: "",
    name: "Grace Brewster Hopper",
    email: "Grace@Navy.example",
    phone: "",
    company: "US Navy",
    job_title: "Rear Admiral",
    note: "Met at the COBOL booth",
    consent: "yes",
  };
}

const scalar = async (sql: string, ...params: unknown[]) =>
  (await env.DB.prepare(sql)
    .bind(...params)
    .first<{ n: number }>())!.n;
const contactsIn = (workspaceId: string) => scalar("SELECT count(*) AS n FROM contacts WHERE workspace_id = ?", workspaceId);
const eventsIn = async (workspaceId: string) =>
  (
    await env.DB.prepare("SELECT type, payload FROM webhook_events WHERE workspace_id = ? ORDER BY rowid")
      .bind(workspaceId)
      .all<{ type: string; payload: string }>()
  ).results
    // The card's visits send scans too; these tests are about the rest.
    .filter((e) => e.type !== "scan.recorded")
    .map((e) => ({ type: e.type, data: JSON.parse(e.payload).data }));

describe("the card's lead form", () => {
  it("is on the card under Save contact, with labels, a consent naming the owner, a signed token and a hidden honeypot", async () => {
    const card = await newCard();
    expect(card.lead_capture).toBe("on");
    const qr = await visit(`/q/${card.handle}`);
    expect([qr.status, qr.headers.get("location")]).toEqual([302, `/p/${card.handle}?via=qr`]);
    const page = await visit(`/p/${card.handle}?via=qr`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self'");
    const text = page.text;
    expect(text.indexOf("Save contact")).toBeLessThan(text.indexOf("<form"));
    expect(text).toContain(`<form class="lead" method="post" action="/p/${card.handle}/connect" aria-labelledby="lead-title">`);
    expect(text).toContain(`<h2 id="lead-title">Share your details with Ada Lovelace</h2>`);
    expect(hidden(text, "via")).toBe("qr");
    expect(hidden(text, "csrf")).toMatch(/^\d{13}\.[0-9a-f]{64}$/);
    for (const [name, label] of [
      ["name", "Name (required)"],
      ["email", "Email"],
      ["phone", "Phone"],
      ["company", "Company"],
      ["job_title", "Job title"],
      ["note", "Note"],
    ]) {
      expect(text).toContain(`<label for="lead-${name}">${label}</label>`);
    }
    expect(text).toContain("I agree that Ada Lovelace receives the details I enter here, to get in touch with me.");
    expect(text).toMatch(/<div class="hp" aria-hidden="true">.*name="website" tabindex="-1"/);
    expect((await visit(`/p/${card.handle}`)).text).toContain(`<input type="hidden" name="via" value="web"/>`);
  });

  it("saves a new contact in the owner's workspace with consent, the card, the lead tag, and two events; thanks without the form", async () => {
    const card = await newCard();
    const contactsBefore = await contactsIn(owner.workspaceId);
    const res = await submit(card.handle, await goodForm(card.handle, "qr"));
    expect([res.status, res.headers.get("location")]).toEqual([303, `/p/${card.handle}?shared=1`]);
    expect(await contactsIn(owner.workspaceId)).toBe(contactsBefore + 1);
    const found = await call("GET", `/v1/contacts?email=grace@navy.example`, { key: owner.key });
    const [contact] = found.body.data;
    expect(contact).toMatchObject({
      first_name: "Grace Brewster",
      last_name: "Hopper",
      email: "Grace@Navy.example",
      phone: null,
      company: "US Navy",
      job_title: "Rear Admiral",
      notes: "Met at the COBOL booth",
      tags: ["lead"],
      source: "qr_scan",
      profile_id: null,
      captured_by_profile_id: card.id,
      consent_at: contact.created_at,
    });
    const events = (await eventsIn(owner.workspaceId)).filter((e) => e.data?.id === contact.id || e.data?.contact?.id === contact.id);
    expect(events).toEqual([
      { type: "contact.created", data: contact },
      { type: "lead.captured", data: { contact, profile_id: card.id, via: "qr" } },
    ]);
    const stats = await call("GET", `/v1/profiles/${card.id}/stats`, { key: owner.key });
    expect(stats.body).toMatchObject({ total: 1, leads: 1, by_source: { qr_scan: 0, web: 1, mcp: 0 } });
    const thanks = await visit(`/p/${card.handle}?shared=1`);
    expect(thanks.status).toBe(200);
    expect(thanks.text).toContain("Thank you — your details have been shared.");
    expect(thanks.text).not.toContain("<form");
    await call("DELETE", `/v1/contacts/${contact.id}`, { key: owner.key });
  });

  it("updates a known contact (same email or phone) instead: empty fields filled, note appended, tag added, same thanks", async () => {
    const card = await newCard();
    const known = await call("POST", "/v1/contacts", {
      key: owner.key,
      body: { first_name: "Grace", email: "grace@navy.example", notes: "Old note", tags: ["vip"] },
    });
    expect(known.status).toBe(201);
    const count = await contactsIn(owner.workspaceId);
    const res = await submit(card.handle, { ...(await goodForm(card.handle)), phone: "+1 555 0100" });
    expect([res.status, res.headers.get("location")]).toEqual([303, `/p/${card.handle}?shared=1`]);
    expect(await contactsIn(owner.workspaceId)).toBe(count);
    const after = await call("GET", `/v1/contacts/${known.body.id}`, { key: owner.key });
    expect(after.body).toMatchObject({
      first_name: "Grace",
      last_name: null,
      email: "grace@navy.example",
      phone: "+1 555 0100",
      company: "US Navy",
      job_title: "Rear Admiral",
      notes: "Old note\n\nMet at the COBOL booth",
      tags: ["vip", "lead"],
      source: "api",
      captured_by_profile_id: card.id,
      consent_at: expect.stringMatching(ISO_MS),
    });
    expect(after.body.consent_at > known.body.created_at).toBe(true);
    const events = (await eventsIn(owner.workspaceId)).filter((e) => e.data?.id === known.body.id || e.data?.contact?.id === known.body.id);
    expect(events.map((e) => e.type)).toEqual(["contact.created", "contact.updated", "lead.captured"]);
    expect(events[2]!.data).toEqual({ contact: after.body, profile_id: card.id, via: "web" });
    expect((await call("GET", `/v1/profiles/${card.id}/stats`, { key: owner.key })).body.leads).toBe(1);
    await call("DELETE", `/v1/contacts/${known.body.id}`, { key: owner.key });
  });

  it("past the plan's contact limit, holds the lead and sends contact.limit_reached; the visitor sees the same thanks", async () => {
    const small = await newWorkspace("free");
    await call("POST", "/v1/webhooks", { key: small.key, body: { url: "https://receiver.example/full", events: ["*"] } });
    for (let i = 0; i < 100; i += 100) {
      const res = await call("POST", "/v1/contacts/batch", {
        key: small.key,
        body: { contacts: Array.from({ length: 100 }, (_, j) => ({ first_name: `Seed${i + j}` })) },
      });
      expect(res.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
    }
    const card = await newCard(small);
    const res = await submit(card.handle, await goodForm(card.handle));
    expect([res.status, res.headers.get("location")]).toEqual([303, `/p/${card.handle}?shared=1`]);
    expect(await contactsIn(small.workspaceId)).toBe(100);
    const held = await env.DB.prepare("SELECT id, profile_id, lead, consent_at FROM held_leads WHERE workspace_id = ?")
      .bind(small.workspaceId)
      .all();
    expect(held.results).toHaveLength(1);
    expect(JSON.parse(String(held.results[0]!.lead))).toMatchObject({
      name: "Grace Brewster Hopper",
      email: "Grace@Navy.example",
      via: "web",
    });
    expect((await call("GET", "/v1/analytics/sources", { key: small.key })).body.leads).toBe(1);
    const listed = await call("GET", "/v1/leads/held", { key: small.key });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      {
        id: held.results[0]!.id,
        profile_id: card.id,
        lead: {
          name: "Grace Brewster Hopper",
          email: "Grace@Navy.example",
          phone: null,
          company: "US Navy",
          job_title: "Rear Admiral",
          note: "Met at the COBOL booth",
          via: "web",
        },
        consent_at: held.results[0]!.consent_at,
        created_at: held.results[0]!.consent_at,
      },
    ]);
    expect((await call("GET", "/v1/leads/held", { key: owner.key })).body.data).toEqual([]);
    const events = (await eventsIn(small.workspaceId)).filter((e) => e.type === "contact.limit_reached");
    expect(events).toEqual([
      {
        type: "contact.limit_reached",
        data: { held_lead_id: held.results[0]!.id, profile_id: card.id, via: "web", held_at: held.results[0]!.consent_at },
      },
    ]);
  });

  it("releases held leads once there is room: by the owner (403 while full), by the minute's sweep, or discards them", async () => {
    const small = await newWorkspace("free");
    await call("POST", "/v1/webhooks", { key: small.key, body: { url: "https://receiver.example/released", events: ["*"] } });
    const seeded = await call("POST", "/v1/contacts/batch", {
      key: small.key,
      body: { contacts: Array.from({ length: 100 }, (_, j) => ({ first_name: `Seed${j}` })) },
    });
    const seeds = seeded.body.results.map((r: { contact: { id: string } }) => r.contact.id) as string[];
    const card = await newCard(small);
    for (const email of ["first@held.example", "second@held.example", "third@held.example"])
      expect((await submit(card.handle, { ...(await goodForm(card.handle, "qr")), email })).status).toBe(303);
    const held = (await call("GET", "/v1/leads/held", { key: small.key })).body.data as {
      id: string;
      lead: { email: string };
      consent_at: string;
    }[];
    const [third, second, first] = held; // newest first
    expect(held.map((h) => h.lead.email)).toEqual(["third@held.example", "second@held.example", "first@held.example"]);

    // Still full: refused, nothing changed.
    expectError(await call("POST", `/v1/leads/held/${first!.id}/release`, { key: small.key }), 403, "contact_limit_reached");
    expect((await call("GET", "/v1/leads/held", { key: small.key })).body.data).toHaveLength(3);

    expect((await call("DELETE", `/v1/contacts/${seeds[0]}`, { key: small.key })).status).toBe(200);
    const released = await call("POST", `/v1/leads/held/${first!.id}/release`, { key: small.key });
    expect(released.status, released.text).toBe(200);
    expect(released.body).toEqual({
      outcome: "created",
      contact: expect.objectContaining({
        name: "Grace Brewster Hopper",
        email: "first@held.example",
        source: "qr_scan",
        tags: ["lead"],
        captured_by_profile_id: card.id,
        // The visitor's consent is the time they shared, not the release's.
        consent_at: first!.consent_at,
      }),
    });
    expect((await call("GET", `/v1/contacts/${released.body.contact.id}`, { key: small.key })).body).toEqual(released.body.contact);
    expectError(await call("POST", `/v1/leads/held/${first!.id}/release`, { key: small.key }), 404, "not_found", "Held lead not found");
    const events = await eventsIn(small.workspaceId);
    expect(events.slice(-2)).toEqual([
      { type: "contact.created", data: released.body.contact },
      { type: "lead.captured", data: { contact: released.body.contact, profile_id: card.id, via: "qr" } },
    ]);
    // Counted once, when it was shared.
    expect((await call("GET", `/v1/profiles/${card.id}/stats`, { key: small.key })).body.leads).toBe(3);

    const discarded = await call("DELETE", `/v1/leads/held/${second!.id}`, { key: small.key });
    expect([discarded.status, discarded.body]).toEqual([200, { success: true, id: second!.id }]);
    expectError(await call("DELETE", `/v1/leads/held/${second!.id}`, { key: small.key }), 404, "not_found");

    // Room again: the scheduled sweep releases the last one by itself.
    expect((await call("DELETE", `/v1/contacts/${seeds[1]}`, { key: small.key })).status).toBe(200);
    const ctx = createExecutionContext();
    await (await import("../src/index")).default.scheduled(
      createScheduledController({ scheduledTime: new Date("2026-11-23T10:00:00Z"), cron: "* * * * *" }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect((await call("GET", "/v1/leads/held", { key: small.key })).body.data).toEqual([]);
    const found = await call("GET", "/v1/contacts?q=third@held.example", { key: small.key });
    expect(found.body.data).toEqual([
      expect.objectContaining({ email: "third@held.example", consent_at: third!.consent_at, tags: ["lead"] }),
    ]);
    expect(await contactsIn(small.workspaceId)).toBe(100);
  });

  it("answers 429 past the card's leads a minute, storing nothing more", async () => {
    const card = await newCard();
    const before = await contactsIn(owner.workspaceId);
    for (let i = 0; i < 10; i++) {
      const res = await submit(card.handle, { ...(await goodForm(card.handle)), email: `burst${i}@example.com` });
      expect(res.status).toBe(303);
    }
    const refused = await submit(card.handle, { ...(await goodForm(card.handle)), email: "burst10@example.com" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.headers.get("content-type")).toMatch(/^text\/html/);
    expect(refused.text).toContain("Too many submissions");
    expect(await contactsIn(owner.workspaceId)).toBe(before + 10);
  });
});

describe("bad lead submissions store nothing", () => {
  let card: { id: string; handle: string };
  let off: { id: string; handle: string };
  let hiddenCard: { id: string; handle: string };
  beforeAll(async () => {
    card = await newCard();
    off = await newCard(owner, { lead_capture: "off" });
    hiddenCard = await newCard(owner, { public: false });
  });

  const wrongFields: [string, Record<string, string>, string, string][] = [
    ["no name", { name: "  " }, "name", "Please enter your name (at most 256 characters)"],
    ["a name too long", { name: "x".repeat(257) }, "name", "Please enter your name (at most 256 characters)"],
    ["no consent", { consent: "" }, "consent", "Please tick the box to agree to share your details"],
    ["a bad email", { email: "grace@" }, "email", "Please enter a valid email address"],
    ["a phone without digits", { phone: "call me" }, "phone", "Please enter a phone number, with digits"],
    ["a note too long", { note: "n".repeat(2001) }, "note", "Note is at most 2,000 characters"],
    ["a control character", { company: "Navy\u0007" }, "company", "Company is at most 256 characters"],
  ];

  it.each(wrongFields)("%s: 400, the form again with the values kept and a message by the field", async (_case, change, field, message) => {
    const before = await contactsIn(owner.workspaceId);
    const form = { ...(await goodForm(card.handle)), ...change };
    const res = await submit(card.handle, form);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(res.text).toContain(`<p class="err" id="lead-${field}-error">${message}</p>`);
    expect(res.text).toContain(`aria-describedby="lead-${field}-error"`);
    if (field !== "company") expect(res.text).toContain(`value="US Navy"`);
    if (field !== "note") expect(res.text).toContain(">Met at the COBOL booth</textarea>");
    expect(hidden(res.text, "csrf")).toMatch(/^\d{13}\.[0-9a-f]{64}$/);
    expect(await contactsIn(owner.workspaceId)).toBe(before);
  });

  const refusals: [string, () => Promise<Answer>, number, string][] = [
    [
      "a forged token",
      async () => submit(card.handle, { ...(await goodForm(card.handle)), csrf: `${Date.now() + 1000}.${"0".repeat(64)}` }),
      400,
      "expired",
    ],
    ["no token", async () => submit(card.handle, { ...(await goodForm(card.handle)), csrf: "" }), 400, "expired"],
    [
      "another card's token",
      async () => submit(card.handle, { ...(await goodForm(card.handle)), csrf: (await goodForm(off.handle)).csrf }),
      400,
      "expired",
    ],
    [
      "an expired token",
      async () =>
        submit(card.handle, {
          ...(await goodForm(card.handle)),
          csrf: await formToken(env.WEBHOOK_SECRET_KEYS, card.handle, Date.now() - 2 * 60 * 60 * 1000 - 1000),
        }),
      400,
      "expired",
    ],
    [
      "a filled honeypot",
      async () => submit(card.handle, { ...(await goodForm(card.handle)), website: "https://spam.example" }),
      400,
      "could not be sent",
    ],
    ["a card without lead capture", async () => submit(off.handle, { ...(await goodForm(card.handle)) }), 400, "does not collect"],
    ["a private card", async () => submit(hiddenCard.handle, await goodForm(card.handle)), 404, "Card not found"],
    ["an unknown card", async () => submit("nobody-here", await goodForm(card.handle)), 404, "Card not found"],
    ["a JSON body", async () => submit(card.handle, await goodForm(card.handle), "application/json"), 415, "x-www-form-urlencoded"],
  ];

  it.each(refusals)("%s: an HTML page, nothing stored", async (_case, send, status, text) => {
    const before = await contactsIn(owner.workspaceId);
    const events = (await eventsIn(owner.workspaceId)).length;
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.text).toContain(text);
    expect(res.text).not.toContain("<form");
    expect(await contactsIn(owner.workspaceId)).toBe(before);
    expect((await eventsIn(owner.workspaceId)).length).toBe(events);
    expect(await scalar("SELECT count(*) AS n FROM held_leads WHERE workspace_id = ?", owner.workspaceId)).toBe(0);
  });

  it("a card without lead capture shows no form", async () => {
    const page = await visit(`/p/${off.handle}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("<form");
    expect(page.headers.get("content-security-policy")).toContain("form-action 'none'");
  });
});

describe("Turnstile on the lead form", () => {
  const settings = {
    TURNSTILE_SECRET: "turnstile-secret",
    TURNSTILE_SITE_KEY: "site-key-1",
    TURNSTILE_VERIFY_URL: "https://turnstile.stub/verify",
  };
  afterEach(() => vi.restoreAllMocks());

  /** The Worker with Turnstile on, and Turnstile's verify endpoint as a stub that accepts only "good-token". */
  async function withTurnstile(method: "GET" | "POST", path: string, form?: Record<string, string>) {
    const realFetch = globalThis.fetch;
    const verify = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== settings.TURNSTILE_VERIFY_URL) return realFetch(input, init);
      const sent = new URLSearchParams(String(init?.body));
      const success = sent.get("secret") === settings.TURNSTILE_SECRET && sent.get("response") === "good-token";
      return Response.json({ success });
    });
    const ctx = createExecutionContext();
    const res = await createApp().fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: { "user-agent": PHONE_UA, ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
        body: form ? new URLSearchParams(form).toString() : undefined,
        redirect: "manual",
      }),
      { ...env, ...settings } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { res, text: await res.text(), verify };
  }

  it("shows the widget, and stores a lead only when Turnstile confirms its token", async () => {
    const card = await newCard();
    const page = await withTurnstile("GET", `/p/${card.handle}`);
    expect(page.text).toContain(`<div class="cf-turnstile" data-sitekey="site-key-1"></div>`);
    expect(page.res.headers.get("content-security-policy")).toContain("script-src https://challenges.cloudflare.com");
    const form = { ...(await goodForm(card.handle)), email: "turnstile@example.com" };
    const before = await contactsIn(owner.workspaceId);
    for (const token of [undefined, "bad-token"]) {
      const refused = await withTurnstile("POST", `/p/${card.handle}/connect`, token ? { ...form, "cf-turnstile-response": token } : form);
      expect(refused.res.status).toBe(400);
      expect(refused.text).toContain("Please complete the check that you are a person");
    }
    expect(await contactsIn(owner.workspaceId)).toBe(before);
    const passed = await withTurnstile("POST", `/p/${card.handle}/connect`, { ...form, "cf-turnstile-response": "good-token" });
    expect([passed.res.status, passed.res.headers.get("location")]).toEqual([303, `/p/${card.handle}?shared=1`]);
    // Asked once for the bad token and once for the good one; never without a token.
    const asked = passed.verify.mock.calls.filter(([input]) => String(input) === settings.TURNSTILE_VERIFY_URL);
    expect(asked.map(([, init]) => new URLSearchParams(String(init?.body)).get("response"))).toEqual(["bad-token", "good-token"]);
    expect(await contactsIn(owner.workspaceId)).toBe(before + 1);
  });
});
