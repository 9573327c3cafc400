import { and, eq, type SQL, sql } from "drizzle-orm";
import { heldLeads, type SharedDetails } from "../leads/leads.table";
import { causedBy, type Db, UNIQUE_VIOLATION } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import { splitName } from "../lib/names";
import { profiles } from "../profiles/profiles.table";
import { outboxEvent } from "../webhooks/outbox.data";
import { WRITABLE_DEFAULTS, withDerived } from "./contacts.columns";
import { type ContactJson, contactEvent, json, representation, updateWith, WRITE_ATTEMPTS } from "./contacts.data";
import { emailKey, MAX_TAGS, phoneKey } from "./contacts.fields";
import { type ContactRow, contacts, type NewContactRow } from "./contacts.table";
import { findIdBy } from "./contacts-match.data";

/**
 * Lead capture's writes: what a visitor leaves on a card's form becomes a contact of the card
 * owner's workspace (or fills in the one they already have), in one batch with its events and the
 * card's lead count; past the plan's limit, a held lead.
 */

/** What a visitor shares on a card (validated by the form). */
export type LeadInput = SharedDetails;

export type LeadOutcome = { outcome: "created" | "updated"; contact: ContactJson } | { outcome: "held"; heldId: string; consentAt: string };

/** The contact `id` as this lead's write left it: its consent time is this submission's. */
const leadWritten = (workspaceId: string, id: string, consentAt: string) =>
  sql`${contacts} WHERE ${contacts.workspaceId} = ${workspaceId} AND ${contacts.id} = ${id} AND ${contacts.consentAt} = ${consentAt}`;

/**
 * What follows a lead's write in its batch, only if that write happened (a version-guarded update
 * that lost its race leaves nothing): the `lead.captured` event and the card's lead count.
 */
const afterLead = (db: Db, workspaceId: string, id: string, profileId: string, via: LeadInput["via"], consentAt: string) =>
  [
    outboxEvent(db, workspaceId, "lead.captured", {
      data: sql`json_object('contact', json(${representation}), 'profile_id', ${profileId}, 'via', ${via})`,
      from: leadWritten(workspaceId, id, consentAt),
      afterChange: false,
    }),
    countLead(db, profileId, sql`EXISTS (SELECT 1 FROM ${leadWritten(workspaceId, id, consentAt)})`),
  ] as const;

const countLead = (db: Db, profileId: string, when: SQL = sql`1`) =>
  db.orm
    .update(profiles)
    .set({ leads: sql`${profiles.leads} + 1` })
    .where(and(eq(profiles.id, profileId), when));

/**
 * Saves a lead shared on the profile's card in the owner's workspace, with the visitor's consent
 * time: a new contact tagged `lead`, or — when a contact has the same email or phone — that contact,
 * its empty fields filled, the note appended, the tag added. Its `contact.created` or
 * `contact.updated` event and `lead.captured` go in the write's batch. Past the plan's contact
 * limit the lead is held (`held_leads`, with a `contact.limit_reached` event), never lost.
 */
export async function captureLead(db: Db, workspaceId: string, profileId: string, lead: LeadInput): Promise<LeadOutcome> {
  const consentAt = nowIso();
  const keys = { emailKey: emailKey(lead.email), phoneKey: phoneKey(lead.phone) };
  for (let attempt = 1; ; attempt++) {
    const byEmail = keys.emailKey ? await findIdBy(db, workspaceId, eq(contacts.emailKey, keys.emailKey)) : undefined;
    const byPhone = keys.phoneKey ? await findIdBy(db, workspaceId, eq(contacts.phoneKey, keys.phoneKey)) : undefined;
    const match = byEmail ?? byPhone;
    if (match) {
      // The phone fills in only if no other contact has it.
      const fillPhone = !byPhone || byPhone === match;
      const { json: updated } = await updateWith(
        db,
        workspaceId,
        match,
        (row) => leadFill(row, lead, fillPhone, profileId, consentAt),
        undefined,
        "contact.updated",
        [...afterLead(db, workspaceId, match, profileId, lead.via, consentAt)],
      );
      return { outcome: "updated", contact: updated };
    }
    try {
      return await insertLead(db, workspaceId, profileId, lead, consentAt);
    } catch (error) {
      // Someone else saved the same email or phone a moment ago: update theirs.
      if (causedBy(error, UNIQUE_VIOLATION) && attempt < WRITE_ATTEMPTS) continue;
      if (causedBy(error, "contact_limit_reached")) return holdLead(db, workspaceId, profileId, lead, consentAt);
      throw error;
    }
  }
}

/** A known contact's changes for a lead: empty fields filled, the note appended, `lead` tagged, consent recorded. */
function leadFill(row: ContactRow, lead: LeadInput, fillPhone: boolean, profileId: string, consentAt: string) {
  const named = Boolean(row.firstName || row.lastName);
  const tags = row.tags.includes("lead") || row.tags.length >= MAX_TAGS ? row.tags : [...row.tags, "lead"];
  return {
    ...(named ? {} : splitName(lead.name)),
    email: row.email ?? lead.email,
    phone: row.phone ?? (fillPhone ? lead.phone : null),
    company: row.company ?? lead.company,
    jobTitle: row.jobTitle ?? lead.job_title,
    notes: lead.note ? (row.notes ? `${row.notes}\n\n${lead.note}` : lead.note) : row.notes,
    tags,
    capturedByProfileId: row.capturedByProfileId ?? profileId,
    consentAt,
  };
}

async function insertLead(db: Db, workspaceId: string, profileId: string, lead: LeadInput, consentAt: string): Promise<LeadOutcome> {
  const row = withDerived({
    ...WRITABLE_DEFAULTS,
    ...splitName(lead.name),
    email: lead.email,
    phone: lead.phone,
    company: lead.company,
    jobTitle: lead.job_title,
    notes: lead.note,
    tags: ["lead"],
    id: uuidv7(),
    workspaceId,
    source: lead.via === "qr" ? "qr_scan" : "web",
    profileId: null,
    capturedByProfileId: profileId,
    consentAt,
    version: 1,
    createdAt: consentAt,
    updatedAt: consentAt,
    savedAt: consentAt,
  } as NewContactRow);
  const [[created]] = await db.batch([
    db.orm.insert(contacts).values(row).returning({ json }),
    contactEvent(db, workspaceId, "contact.created", row.id, { afterChange: true }),
    ...afterLead(db, workspaceId, row.id!, profileId, lead.via, consentAt),
  ]);
  return { outcome: "created", contact: created!.json };
}

async function holdLead(db: Db, workspaceId: string, profileId: string, lead: LeadInput, consentAt: string): Promise<LeadOutcome> {
  const held = { id: uuidv7(), workspaceId, profileId, lead: { ...lead }, consentAt, createdAt: consentAt };
  await db.batch([
    db.orm.insert(heldLeads).values(held),
    outboxEvent(db, workspaceId, "contact.limit_reached", {
      data: sql`json_object('held_lead_id', ${held.id}, 'profile_id', ${profileId}, 'via', ${lead.via}, 'held_at', ${consentAt})`,
      afterChange: false,
    }),
    countLead(db, profileId),
  ]);
  return { outcome: "held", heldId: held.id, consentAt };
}
