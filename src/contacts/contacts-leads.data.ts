import { and, eq, type SQL, sql } from "drizzle-orm";
import { type HeldLead, oldestHeldLeads, workspacesWithRoom } from "../leads/leads.data";
import { heldLeads, type SharedDetails } from "../leads/leads.table";
import { causedBy, type Db, UNIQUE_VIOLATION } from "../lib/db/runner";
import { ApiError, notFound } from "../lib/errors";
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

/** A lead being saved: shared on the form just now, or held earlier and released now. */
interface Capture {
  workspaceId: string;
  profileId: string;
  lead: LeadInput;
  /** The visitor's consent: this submission's time, or the held lead's. */
  consentAt: string;
  /** The held lead this saves, claimed in the same batch. */
  heldId?: string;
}

/** The contact `id` as this lead's write left it: its consent time is this submission's. */
const leadWritten = (workspaceId: string, id: string, consentAt: string) =>
  sql`${contacts} WHERE ${contacts.workspaceId} = ${workspaceId} AND ${contacts.id} = ${id} AND ${contacts.consentAt} = ${consentAt}`;

/**
 * What follows a lead's write in its batch, only if that write happened (a version-guarded update
 * that lost its race leaves nothing): the `lead.captured` event, and the card's lead count — or,
 * for a released lead (counted when it was held), the claim of its held row.
 */
const afterLead = (db: Db, { workspaceId, profileId, lead, consentAt, heldId }: Capture, id: string) => {
  const written = sql`EXISTS (SELECT 1 FROM ${leadWritten(workspaceId, id, consentAt)})`;
  return [
    outboxEvent(db, workspaceId, "lead.captured", {
      data: sql`json_object('contact', json(${representation}), 'profile_id', ${profileId}, 'via', ${lead.via})`,
      from: leadWritten(workspaceId, id, consentAt),
      afterChange: false,
    }),
    heldId ? db.orm.run(sql`INSERT INTO held_lead_claims (id, written) SELECT ${heldId}, ${written}`) : countLead(db, profileId, written),
  ] as const;
};

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
export function captureLead(db: Db, workspaceId: string, profileId: string, lead: LeadInput): Promise<LeadOutcome> {
  return saveLead(db, { workspaceId, profileId, lead, consentAt: nowIso() });
}

/**
 * Saves a held lead now that there is room, as it would have been saved when it was shared (its
 * consent time kept), and forgets the held row in the same batch. Still at the limit, or the held
 * lead released or discarded a moment ago: refused, nothing changed.
 */
export async function releaseHeldLead(db: Db, workspaceId: string, held: HeldLead): Promise<LeadOutcome> {
  try {
    return await saveLead(db, { workspaceId, profileId: held.profileId, lead: held.lead, consentAt: held.consentAt, heldId: held.id });
  } catch (error) {
    if (causedBy(error, "held_lead_gone")) throw notFound("Held lead");
    throw error;
  }
}

/** The most held leads one sweep releases in a workspace (the next sweep goes on). */
const RELEASE_BATCH = 50;

/**
 * Releases held leads, oldest first, in every workspace that has room again (a contact deleted,
 * a bigger plan), until it is full again; run every minute by the scheduled handler. Answers how
 * many were saved.
 */
export async function releaseHeldLeads(db: Db): Promise<number> {
  let released = 0;
  for (const workspaceId of await workspacesWithRoom(db)) {
    for (const held of await oldestHeldLeads(db, workspaceId, RELEASE_BATCH)) {
      try {
        await releaseHeldLead(db, workspaceId, held);
        released++;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // Full again: the rest wait for the next room. Released or discarded by its owner meanwhile: next.
        if (error.code === "contact_limit_reached") break;
        if (error.code !== "not_found") throw error;
      }
    }
  }
  return released;
}

async function saveLead(db: Db, capture: Capture): Promise<LeadOutcome> {
  const { workspaceId, profileId, lead, consentAt } = capture;
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
        [...afterLead(db, capture, match)],
      );
      return { outcome: "updated", contact: updated };
    }
    try {
      return await insertLead(db, capture);
    } catch (error) {
      // Someone else saved the same email or phone a moment ago: update theirs.
      if (causedBy(error, UNIQUE_VIOLATION) && attempt < WRITE_ATTEMPTS) continue;
      if (!causedBy(error, "contact_limit_reached")) throw error;
      if (capture.heldId) throw new ApiError("contact_limit_reached", "Contact limit reached for this workspace's plan");
      return holdLead(db, capture);
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

async function insertLead(db: Db, capture: Capture): Promise<LeadOutcome> {
  const { workspaceId, profileId, lead, consentAt } = capture;
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
    ...afterLead(db, capture, row.id!),
  ]);
  return { outcome: "created", contact: created!.json };
}

async function holdLead(db: Db, { workspaceId, profileId, lead, consentAt }: Capture): Promise<LeadOutcome> {
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
