import { and, eq, getTableColumns, ne, or, type SQL, sql } from "drizzle-orm";
import { causedBy, type Db, type Query, queryBuilder, rowCount, slot, UNIQUE_VIOLATION } from "../lib/db/runner";
import { ApiError, notFound, validationError } from "../lib/errors";
import { nowIso, uuidv7 } from "../lib/ids";
import { splitName } from "../lib/names";
import { findVisibleProfile } from "../profiles/profiles.data";
import { sites } from "../sites/sites.table";
import { type EventType, eventInsert, newEventId } from "../webhooks/outbox.data";
import { columnsFrom, PLAIN_COLUMNS, WRITABLE_DEFAULTS, type WritableColumns, withDerived } from "./contacts.columns";
import { CONTACT_JSON, type Contact, MAX_TAGS, type Source } from "./contacts.fields";
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
export const representation = sql<string>`${sql.raw(CONTACT_JSON)}`;
export const json = sql<string>`${sql.raw(CONTACT_JSON)}`.as("json");
export const inWorkspace = (workspaceId: string, id: string) => and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id));

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

export const duplicate = (field: string, existingId?: string) =>
  new ApiError("duplicate_contact", `A contact with this ${field} already exists`, {
    details: [{ field, message: "is already used by another contact" }],
    ...(existingId ? { extra: { existing_id: existingId } } : {}),
  });

/**
 * The outbox event of a write to contact `id`, built from its row as it stands at that point of
 * the batch: right after the change (`afterChange`: written only if the change changed the row),
 * or before a delete (`version`: only if the row is still at the version the delete expects).
 */
export function contactEvent(db: Db, workspaceId: string, type: EventType, id: string, at: { afterChange: true } | { version: number }) {
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
  /**
   * Tags for an upsert whose body names none (an import's `tags`): a created contact starts with
   * them, a matched one gains them besides its own.
   */
  addTags?: string[];
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
export function changedColumns(before: ContactRow, after: ContactRow): Partial<ContactRow> {
  const same = (a: unknown, b: unknown) => a === b || (typeof a === "object" && a !== null && JSON.stringify(a) === JSON.stringify(b));
  const changed: Partial<Record<keyof ContactRow, unknown>> = { version: after.version, updatedAt: after.updatedAt };
  for (const key of Object.keys(after) as (keyof ContactRow)[]) {
    if (!same(before[key], after[key])) changed[key] = settable(after[key]);
  }
  return changed as Partial<ContactRow>;
}

/**
 * A value drizzle's `update().set()` can take: custom fields are read into an object without a
 * prototype (so `__proto__` is kept as a key), which drizzle cannot inspect; a spread copy has one
 * and keeps every own key.
 */
const settable = (value: unknown) =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === null ? { ...value } : value;

/** How many times a read-modify-write retries when another write got there first. */
export const WRITE_ATTEMPTS = 5;

/** A check of the representation a write starts from (If-Match). */
export type Precondition = (currentJson: ContactJson) => void;

/**
 * Applies `change` to the current contact and writes it back only if nobody wrote in between
 * (the `version` guard); `expect` lets a caller refuse a stale representation (If-Match).
 */
export async function updateWith(
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

/** A contact's tags with `tags` added (kept in order, no duplicates), at most MAX_TAGS. */
export function withTags(current: string[], tags: string[]) {
  const merged = [...new Set([...current, ...tags])];
  if (merged.length > MAX_TAGS) throw validationError([{ field: "tags", message: `a contact can carry at most ${MAX_TAGS} tags` }]);
  return merged;
}

/** Adds tags; answers the contact's tags. */
export async function addTags(db: Db, workspaceId: string, id: string, tags: string[]) {
  const { row } = await updateWith(
    db,
    workspaceId,
    id,
    (current) => ({ tags: withTags(current.tags, tags) }),
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
      .onConflictDoUpdate({
        target: [contactTombstones.workspaceId, contactTombstones.contactId],
        set: { deletedAt: now, mergedInto: null },
      }),
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
