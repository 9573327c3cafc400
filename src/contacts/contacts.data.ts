import { and, eq, getTableColumns, ne, or, type SQL, sql } from "drizzle-orm";
import { heldLeads, type SharedDetails } from "../leads/leads.table";
import { causedBy, type Db, type Query, queryBuilder, rowCount, slot, UNIQUE_VIOLATION } from "../lib/db/runner";
import { ApiError, notFound, validationError } from "../lib/errors";
import { nowIso, uuidv7 } from "../lib/ids";
import { splitName } from "../lib/names";
import { findVisibleProfile } from "../profiles/profiles.data";
import { profiles } from "../profiles/profiles.table";
import { sites } from "../sites/sites.table";
import { type EventType, eventInsert, newEventId, outboxEvent } from "../webhooks/outbox.data";
import { columnsFrom, PLAIN_COLUMNS, WRITABLE_DEFAULTS, type WritableColumns, withDerived } from "./contacts.columns";
import { CONTACT_JSON, type Contact, emailKey, MAX_TAGS, phoneKey, type Source } from "./contacts.fields";
import type { ContactCreateInput, ContactUpdateInput } from "./contacts.schemas";
import { type ContactRow, contacts, contactTombstones, type NewContactRow } from "./contacts.table";

/**
 * The contacts' data functions. Every answer and event carries the representation SQLite builds
 * (`CONTACT_JSON`) as JSON text: reads select it, writes return it (`RETURNING`), events are built
 * from the row in the write's own batch.
 */

/** A contact's representation as JSON text, parsed only where an object is needed (MCP, vCard, batch). */
export type ContactJson = string;
export const parseContact = (json: ContactJson) => JSON.parse(json) as Contact;

/** A slot, named after the field, for each of `values`' fields (a shaped statement's build). */
const slots = <T extends object>(values: T) => Object.fromEntries(Object.keys(values).map((field) => [field, slot(field)])) as unknown as T;

/** The representation as an expression (an event's data), and as the selected column `json`. */
const representation = sql<string>`${sql.raw(CONTACT_JSON)}`;
const json = sql<string>`${sql.raw(CONTACT_JSON)}`.as("json");
const inWorkspace = (workspaceId: string, id: string) => and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id));

/** One contact's representation, if it is in the workspace. */
export async function getContactJson(db: Db, workspaceId: string, id: string): Promise<ContactJson | undefined> {
  const byId = () =>
    queryBuilder
      .select({ json })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, slot("id"))));
  const [row] = await db.all(db.shaped<{ json: ContactJson }>("contact.get", byId, { workspace: workspaceId, id }));
  return row?.json;
}

/** A contact as a write starts from it: the row, and the representation it has now. */
interface Current {
  row: ContactRow;
  json: ContactJson;
}

async function requireContact(db: Db, workspaceId: string, id: string): Promise<Current> {
  const found = await db.first(
    db.orm
      .select({ row: getTableColumns(contacts), json })
      .from(contacts)
      .where(inWorkspace(workspaceId, id)),
  );
  if (!found) throw notFound("Contact");
  return found;
}

/** Refuses a site that is not one of the workspace's. */
async function assertSite(db: Db, workspaceId: string, siteId: string | null | undefined) {
  if (!siteId) return;
  const site = await db.first(
    db.orm
      .select({ id: sites.id })
      .from(sites)
      .where(and(eq(sites.workspaceId, workspaceId), eq(sites.id, siteId)))
      .limit(rowCount(1)),
  );
  if (!site) throw validationError([{ field: "site_id", message: "does not name a site of this workspace" }]);
}

/** Throws 409 `duplicate_contact` if another contact of the workspace has this email, phone, profile or id. */
async function assertNoDuplicate(
  db: Db,
  workspaceId: string,
  keys: { id?: string; emailKey: string | null; phoneKey: string | null; profileId?: string | null },
  exceptId?: string,
) {
  const clauses: SQL[] = [];
  if (keys.id) clauses.push(eq(contacts.id, keys.id));
  if (keys.emailKey) clauses.push(eq(contacts.emailKey, keys.emailKey));
  if (keys.phoneKey) clauses.push(eq(contacts.phoneKey, keys.phoneKey));
  if (keys.profileId) clauses.push(eq(contacts.profileId, keys.profileId));
  if (clauses.length === 0) return;
  const hit = await db.first(
    db.orm
      .select({ id: contacts.id, emailKey: contacts.emailKey, phoneKey: contacts.phoneKey })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, workspaceId), or(...clauses), exceptId ? ne(contacts.id, exceptId) : undefined))
      .limit(rowCount(1)),
  );
  if (!hit) return;
  const field =
    hit.id === keys.id
      ? "id"
      : keys.emailKey && hit.emailKey === keys.emailKey
        ? "email"
        : keys.phoneKey && hit.phoneKey === keys.phoneKey
          ? "phone"
          : "profile_id";
  throw duplicate(field, hit.id);
}

const duplicate = (field: string, existingId?: string) =>
  new ApiError("duplicate_contact", `A contact with this ${field} already exists`, {
    details: [{ field, message: "is already used by another contact" }],
    ...(existingId ? { extra: { existing_id: existingId } } : {}),
  });

/**
 * The outbox event of a write to contact `id`, built from its row as it stands at that point of
 * the batch: right after the change (`afterChange`: written only if the change changed the row),
 * or before a delete (`version`: only if the row is still at the version the delete expects).
 */
function contactEvent(db: Db, workspaceId: string, type: EventType, id: string, at: { afterChange: true } | { version: number }) {
  const afterChange = "afterChange" in at;
  const version = afterChange ? sql`` : sql` AND ${contacts.version} = ${slot("version")}`;
  const build = () =>
    eventInsert(db.orm, {
      id: slot("event"),
      workspace: slot("workspace"),
      type: slot("type"),
      at: slot("at"),
      data: representation,
      from: sql`${contacts} WHERE ${contacts.workspaceId} = ${slot("workspace")} AND ${contacts.id} = ${slot("id")}${version}`,
      afterChange,
    });
  const values = { event: newEventId(), workspace: workspaceId, type, at: nowIso(), id, ...(afterChange ? {} : { version: at.version }) };
  return db.shaped(`outbox:contact:${afterChange ? "after-change" : "version"}`, build, values);
}

/** What a create takes from the channel it came through rather than the body. */
export interface CreateDefaults {
  /** The source when the body names none (`mcp` for the MCP server). */
  source?: Source;
}

/**
 * Inserts one contact. The plan limit is enforced by a trigger in the same statement, so
 * concurrent creates can never overshoot it.
 */
export async function createContact(
  db: Db,
  workspaceId: string,
  input: ContactCreateInput,
  defaults: CreateDefaults = {},
): Promise<ContactJson> {
  const now = nowIso();
  const fromProfile = input.profile_id ? await profileColumns(db, workspaceId, input.profile_id) : {};
  const row = withDerived({
    ...WRITABLE_DEFAULTS,
    ...fromProfile,
    ...columnsFrom(input),
    id: input.id ?? uuidv7(),
    workspaceId,
    source: input.source ?? defaults.source ?? "api",
    profileId: input.profile_id ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    savedAt: now,
  } as NewContactRow);
  await assertSite(db, workspaceId, row.siteId);
  // Duplicates are refused by unique indexes; only a refused insert pays for finding out which.
  try {
    const [[created]] = await db.batch([
      db.shaped<{ json: ContactJson }>(
        `contact.insert:${Object.keys(row).sort()}`,
        () => db.orm.insert(contacts).values(slots(row)).returning({ json }),
        row,
      ),
      contactEvent(db, workspaceId, "contact.created", row.id!, { afterChange: true }),
    ]);
    return created!.json;
  } catch (error) {
    if (causedBy(error, "contact_limit_reached"))
      throw new ApiError("contact_limit_reached", "Contact limit reached for this workspace's plan");
    if (causedBy(error, UNIQUE_VIOLATION)) {
      await assertNoDuplicate(db, workspaceId, row);
      throw duplicate("id");
    }
    throw error;
  }
}

/** What a save from a profile copies: name, title, company, location, photo, email and phone. */
async function profileColumns(db: Db, workspaceId: string, profileId: string): Promise<WritableColumns> {
  const profile = await findVisibleProfile(db, workspaceId, profileId);
  if (!profile) throw notFound("Profile");
  return {
    ...splitName(profile.name),
    jobTitle: profile.title,
    company: profile.company,
    location: profile.location,
    photoUrl: profile.photoUrl,
    email: profile.email,
    phone: profile.phone,
  };
}

/**
 * The columns a write really changes (always version and updated_at). Only those go in the SET
 * list, so the search-index and tag triggers (`AFTER UPDATE OF …`) and untouched indexes stay idle.
 */
function changedColumns(before: ContactRow, after: ContactRow): Partial<ContactRow> {
  const same = (a: unknown, b: unknown) => a === b || (typeof a === "object" && a !== null && JSON.stringify(a) === JSON.stringify(b));
  const changed: Partial<Record<keyof ContactRow, unknown>> = { version: after.version, updatedAt: after.updatedAt };
  for (const key of Object.keys(after) as (keyof ContactRow)[]) {
    if (!same(before[key], after[key])) changed[key] = after[key];
  }
  return changed as Partial<ContactRow>;
}

/** How many times a read-modify-write retries when another write got there first. */
const WRITE_ATTEMPTS = 5;

/** A check of the representation a write starts from (If-Match). */
export type Precondition = (currentJson: ContactJson) => void;

/**
 * Applies `change` to the current contact and writes it back only if nobody wrote in between
 * (the `version` guard); `expect` lets a caller refuse a stale representation (If-Match).
 */
async function updateWith(
  db: Db,
  workspaceId: string,
  id: string,
  change: (current: ContactRow) => WritableColumns & Partial<Pick<ContactRow, "capturedByProfileId" | "consentAt">>,
  expect?: Precondition,
  eventType: EventType = "contact.updated",
  alsoWrite: Query[] = [],
): Promise<{ json: ContactJson; row: ContactRow }> {
  for (let attempt = 1; ; attempt++) {
    const current = await requireContact(db, workspaceId, id);
    expect?.(current.json);
    const next = withDerived({ ...current.row, ...change(current.row) });
    if (next.siteId !== current.row.siteId) await assertSite(db, workspaceId, next.siteId);
    // Only a changed email or phone can collide; unchanged keys need no extra read.
    if (next.emailKey !== current.row.emailKey || next.phoneKey !== current.row.phoneKey) {
      await assertNoDuplicate(db, workspaceId, { emailKey: next.emailKey, phoneKey: next.phoneKey }, id);
    }
    const now = nowIso();
    const after: ContactRow = {
      ...next,
      version: current.row.version + 1,
      // biome-ignore lint/complexity/useMathMinMax: ISO timestamps, compared as text.
      updatedAt: now > current.row.updatedAt ? now : current.row.updatedAt,
    };
    let written: { json: string } | undefined;
    try {
      [[written]] = await db.batch([
        db.orm
          .update(contacts)
          .set(changedColumns(current.row, after))
          .where(and(inWorkspace(workspaceId, id), eq(contacts.version, current.row.version)))
          .returning({ json }),
        contactEvent(db, workspaceId, eventType, id, { afterChange: true }),
        ...alsoWrite,
      ]);
    } catch (error) {
      if (causedBy(error, UNIQUE_VIOLATION))
        await assertNoDuplicate(db, workspaceId, { emailKey: next.emailKey, phoneKey: next.phoneKey }, id);
      throw error;
    }
    if (written) return { json: written.json, row: after };
    if (attempt >= WRITE_ATTEMPTS) throw new ApiError("conflict", "The contact is being changed by another request; try again");
  }
}

/**
 * A PATCH of plain fields only, without If-Match, in one round trip: nothing it sets depends on
 * the current row, so the update answers with the representation it wrote and its event is built
 * from the same row in the same batch. Undefined when the patch is not plain (then `patchContact`
 * reads, checks and writes).
 */
export async function patchPlainFields(
  db: Db,
  workspaceId: string,
  id: string,
  input: ContactUpdateInput,
): Promise<ContactJson | undefined> {
  const cols = columnsFrom(input);
  if (!Object.keys(cols).every((field) => PLAIN_COLUMNS.has(field))) return undefined;
  const build = () =>
    db.orm
      .update(contacts)
      .set({ ...slots(cols), version: sql`${contacts.version} + 1`, updatedAt: sql`max(${slot("now")}, ${contacts.updatedAt})` })
      .where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, slot("id"))))
      .returning({ json });
  const [[updated]] = await db.batch([
    db.shaped<{ json: ContactJson }>(`contact.patch:${Object.keys(cols).sort()}`, build, {
      ...cols,
      workspace: workspaceId,
      id,
      now: nowIso(),
    }),
    contactEvent(db, workspaceId, "contact.updated", id, { afterChange: true }),
  ]);
  if (!updated) throw notFound("Contact");
  return updated.json;
}

/** PUT: every writable field is replaced; omitted ones go back to their defaults. */
export const replaceContact = async (db: Db, workspaceId: string, id: string, input: ContactUpdateInput, expect?: Precondition) =>
  (await updateWith(db, workspaceId, id, () => ({ ...WRITABLE_DEFAULTS, ...columnsFrom(input) }), expect)).json;

/** PATCH (and upsert on a match): only the fields given change. */
export const patchContact = async (db: Db, workspaceId: string, id: string, input: ContactUpdateInput, expect?: Precondition) =>
  (await updateWith(db, workspaceId, id, () => columnsFrom(input), expect)).json;

/** Adds tags (kept in order, no duplicates); answers the contact's tags. */
export async function addTags(db: Db, workspaceId: string, id: string, tags: string[]) {
  const { row } = await updateWith(
    db,
    workspaceId,
    id,
    (current) => {
      const merged = [...new Set([...current.tags, ...tags])];
      if (merged.length > MAX_TAGS) throw validationError([{ field: "tags", message: `a contact can carry at most ${MAX_TAGS} tags` }]);
      return { tags: merged };
    },
    undefined,
    "contact.tags_added",
  );
  return row.tags;
}

/** Removes tags; answers the contact's tags. */
export async function removeTags(db: Db, workspaceId: string, id: string, tags: string[]) {
  const { row } = await updateWith(
    db,
    workspaceId,
    id,
    (current) => ({ tags: current.tags.filter((t) => !tags.includes(t)) }),
    undefined,
    "contact.tags_removed",
  );
  return row.tags;
}

/** Deletes the contact and leaves a tombstone, in one batch whose event carries the contact as it was. */
export async function deleteContact(db: Db, workspaceId: string, id: string, expect?: Precondition): Promise<void> {
  const current = await requireContact(db, workspaceId, id);
  expect?.(current.json);
  const now = nowIso();
  const { version } = current.row;
  const [, deleted] = await db.batch([
    contactEvent(db, workspaceId, "contact.deleted", id, { version }),
    db.orm
      .delete(contacts)
      .where(and(inWorkspace(workspaceId, id), eq(contacts.version, version)))
      .returning({ id: contacts.id }),
    db.orm
      .insert(contactTombstones)
      .values({ workspaceId, contactId: id, deletedAt: now })
      .onConflictDoUpdate({ target: [contactTombstones.workspaceId, contactTombstones.contactId], set: { deletedAt: now } }),
  ]);
  if (deleted.length > 0) return;
  // Someone changed or deleted it in between; undo the tombstone only if the contact still exists.
  if (await getContactJson(db, workspaceId, id)) {
    await db.run(
      db.orm.delete(contactTombstones).where(and(eq(contactTombstones.workspaceId, workspaceId), eq(contactTombstones.contactId, id))),
    );
    throw new ApiError("conflict", "The contact was changed by another request; try again");
  }
  throw notFound("Contact");
}

/** Upsert: match on email, then phone; update the match with the given fields, or create. */
export async function upsertContact(
  db: Db,
  workspaceId: string,
  input: ContactCreateInput,
  defaults: CreateDefaults = {},
): Promise<{ created: boolean; json: ContactJson }> {
  const byEmail = input.email ? await findIdBy(db, workspaceId, eq(contacts.emailKey, emailKey(input.email)!)) : undefined;
  const byPhone =
    input.phone && phoneKey(input.phone) ? await findIdBy(db, workspaceId, eq(contacts.phoneKey, phoneKey(input.phone)!)) : undefined;
  if (byEmail && byPhone && byEmail !== byPhone) throw duplicate("phone", byEmail);
  const match = byEmail ?? byPhone;
  if (!match) {
    if (input.first_name === undefined && input.name === undefined && input.profile_id === undefined) {
      throw validationError([{ field: "first_name", message: "is required" }]);
    }
    return { created: true, json: await createContact(db, workspaceId, input, defaults) };
  }
  const { id: _id, source: _source, profile_id: _profile, ...fields } = input;
  return { created: false, json: await patchContact(db, workspaceId, match, fields) };
}

async function findIdBy(db: Db, workspaceId: string, where: SQL) {
  const row = await db.first(
    db.orm
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, workspaceId), where))
      .limit(rowCount(1)),
  );
  return row?.id;
}

/** What a visitor shares on a card (validated by the form). */
export type LeadInput = SharedDetails;

export type LeadOutcome = { outcome: "created" | "updated"; contact: ContactJson } | { outcome: "held"; heldId: string };

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
  return { outcome: "held", heldId: held.id };
}
