import { and, asc, count, desc, eq, gt, inArray, lt, ne, or, sql, type AnyColumn, type SQL, type SQLWrapper } from "drizzle-orm";
import type { SQLiteSelect } from "drizzle-orm/sqlite-core";
import type { Database } from "../lib/db/client";
import { contacts, contactTags, contactTombstones, type ContactRow, type NewContactRow } from "./contacts.table";
import { sites } from "../sites/sites.table";
import { workspaces } from "../workspaces/workspaces.table";
import { ApiError, notFound, validationError } from "../lib/errors";
import { nowIso, uuidv7 } from "../lib/ids";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import { findVisibleProfile } from "../profiles/profiles.data";
import { causedBy, UNIQUE_VIOLATION } from "../lib/db/errors";
import { cappedTotal, COUNT_CAP } from "../lib/db/pages";
import { fullName, splitName } from "../lib/names";
import { outboxEventFromRow, outboxStatement, type EventType } from "../webhooks/webhooks.data";
import { RowReader, rowCount, shaped, shapedQuery, slot, statement } from "../lib/db/rows";
import type {
  Contact,
  ContactCreateInput,
  ContactUpdateInput,
  Sort,
  Source,
  Stage,
} from "./contacts.schemas";

export type SiteRef = { id: string; title: string } | null;

/** A contact row with the title of its site, as every read returns it. */
export interface StoredContact {
  row: ContactRow;
  site: SiteRef;
}

export function toContact({ row, site }: StoredContact): Contact {
  return {
    id: row.id,
    first_name: row.firstName,
    last_name: row.lastName,
    name: fullName(row.firstName, row.lastName),
    email: row.email,
    phone: row.phone,
    job_title: row.jobTitle,
    company: row.company,
    location: row.location,
    linkedin_url: row.linkedinUrl,
    photo_url: row.photoUrl,
    stage: row.stage as Stage,
    notes: row.notes,
    custom_fields: row.customFields,
    tags: row.tags,
    site,
    source: row.source as Source,
    profile_id: row.profileId,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    saved_at: row.savedAt,
  };
}

export const emailKey = (email: string | null) => (email === null ? null : email.trim().toLowerCase());

/** Digits only, keeping a leading +, so "+1 (555) 0100" and "+1-555-0100" are the same phone. */
export const phoneKey = (phone: string | null) => {
  if (phone === null) return null;
  const digits = phone.replace(/\D/g, "");
  return digits === "" ? null : (phone.trim().startsWith("+") ? "+" : "") + digits;
};

type WritableColumns = Partial<
  Pick<
    NewContactRow,
    | "firstName" | "lastName" | "email" | "phone" | "jobTitle" | "company" | "location" | "siteId"
    | "linkedinUrl" | "photoUrl" | "stage" | "notes" | "customFields" | "tags"
  >
>;

/** The defaults a create starts from, and a PUT resets omitted fields to. */
const WRITABLE_DEFAULTS: Required<WritableColumns> = {
  firstName: null as unknown as string,
  lastName: null,
  email: null,
  phone: null,
  jobTitle: null,
  company: null,
  location: null,
  siteId: null,
  linkedinUrl: null,
  photoUrl: null,
  stage: "Lead",
  notes: null,
  customFields: {},
  tags: [],
};

/** Maps validated input onto columns, only for the fields it carries. */
function columnsFrom(input: ContactUpdateInput & { name?: string }): WritableColumns {
  const cols: WritableColumns = {};
  if (input.first_name !== undefined) cols.firstName = input.first_name;
  if (input.last_name !== undefined) cols.lastName = input.last_name;
  if (input.name !== undefined && input.first_name === undefined && input.last_name === undefined) {
    Object.assign(cols, splitName(input.name));
  }
  if (input.email !== undefined) cols.email = input.email;
  if (input.phone !== undefined) cols.phone = input.phone;
  if (input.job_title !== undefined) cols.jobTitle = input.job_title;
  if (input.company !== undefined) cols.company = input.company;
  if (typeof input.location === "string" || input.location === null) cols.location = input.location;
  if (input.site_id !== undefined) cols.siteId = input.site_id;
  else if (input.location !== undefined && input.location !== null && typeof input.location === "object") {
    cols.siteId = input.location.id;
  } else if ("site" in input && input.site !== undefined) cols.siteId = input.site?.id ?? null;
  if (input.linkedin_url !== undefined) cols.linkedinUrl = input.linkedin_url;
  if (input.photo_url !== undefined) cols.photoUrl = input.photo_url;
  if (input.stage !== undefined) cols.stage = input.stage;
  if (input.notes !== undefined) cols.notes = input.notes;
  if (input.custom_fields !== undefined) cols.customFields = input.custom_fields;
  if (input.tags !== undefined) cols.tags = input.tags;
  return cols;
}

/** A slot, named after the field, for each of `values`' fields (a `shaped` statement's build). */
const slots = <T extends object>(values: T) => Object.fromEntries(Object.keys(values).map((field) => [field, slot(field)])) as unknown as T;

/** Recomputes the columns derived from others (lookup keys and the name sort key). */
function derivedKeys(row: Pick<NewContactRow, "firstName" | "lastName" | "email" | "phone">) {
  return {
    sortName: (fullName(row.firstName ?? null, row.lastName ?? null) ?? "").toLowerCase(),
    emailKey: emailKey(row.email ?? null),
    phoneKey: phoneKey(row.phone ?? null),
  };
}

function withDerived<T extends Pick<NewContactRow, "firstName" | "lastName" | "email" | "phone">>(row: T) {
  return { ...row, ...derivedKeys(row) };
}

/**
 * Contacts are read without the columns a read can fill in itself: the workspace (the caller's)
 * and the derived keys (`withDerived` is how they were written) — less for D1 to send per row.
 */
const CONTACT = new RowReader(contacts, '"contacts"', ["workspaceId", "sortName", "emailKey", "phoneKey"]);
/** Every contact read: the row and its site's title (by subquery: one row per contact, no join). */
const CONTACT_SELECT = `${CONTACT.columns}, (SELECT title FROM sites WHERE sites.id = "contacts".site_id) AS "siteTitle"`;
const GET_CONTACT = `SELECT ${CONTACT_SELECT} FROM contacts WHERE workspace_id = ? AND id = ?`;

const col = (name: string) => `"contacts"."${name}"`;
/**
 * A contact's API representation, `JSON.stringify(toContact(...))`, built by SQLite: reads send
 * it as D1 hands it over instead of building, mapping and serialising an object per row (the
 * larger part of a list page's cost). Same keys, same order, same text: test/representation.test.ts
 * holds the two byte for byte, which also keeps ETags equal whichever path made the answer.
 */
const CONTACT_JSON = `json_object(${[
  `'id', ${col("id")}`,
  `'first_name', ${col("first_name")}`,
  `'last_name', ${col("last_name")}`,
  // fullName(): the non-empty parts joined by a space, null when there is none.
  `'name', CASE WHEN coalesce(${col("first_name")}, '') = '' THEN nullif(${col("last_name")}, '') WHEN coalesce(${col("last_name")}, '') = '' THEN ${col("first_name")} ELSE ${col("first_name")} || ' ' || ${col("last_name")} END`,
  ...["email", "phone", "job_title", "company", "location", "linkedin_url", "photo_url", "stage", "notes"].map((name) => `'${name}', ${col(name)}`),
  `'custom_fields', json(${col("custom_fields")})`,
  `'tags', json(${col("tags")})`,
  `'site', CASE WHEN ${col("site_id")} IS NULL THEN NULL ELSE json_object('id', ${col("site_id")}, 'title', coalesce((SELECT title FROM sites WHERE sites.id = ${col("site_id")}), '')) END`,
  ...["source", "profile_id", "created_at", "updated_at", "saved_at"].map((name) => `'${name}', ${col(name)}`),
].join(", ")})`;

/** A list page's row: the contact's representation and its key in the page's order. */
export interface ContactJson {
  json: string;
  id: string;
  sortKey: string;
}

const GET_CONTACT_JSON = `SELECT ${CONTACT_JSON} AS "json" FROM contacts WHERE workspace_id = ? AND id = ?`;

/** One contact's representation as JSON text, if it is in the workspace. */
export async function getContactJson(db: Database, workspaceId: string, id: string): Promise<string | undefined> {
  const row = await statement(db, GET_CONTACT_JSON, workspaceId, id).first<{ json: string }>();
  return row?.json;
}

function storedContact(raw: Record<string, unknown>, workspaceId: string): StoredContact {
  const read = CONTACT.read(raw);
  const row: ContactRow = Object.assign(read, { workspaceId }, derivedKeys(read));
  return { row, site: row.siteId !== null ? { id: row.siteId, title: (raw.siteTitle as string | null) ?? "" } : null };
}

const pageRows = (result: D1Result) => result.results as unknown as ContactJson[];

export async function getContact(db: Database, workspaceId: string, id: string): Promise<StoredContact | undefined> {
  const raw = await statement(db, GET_CONTACT, workspaceId, id).first<Record<string, unknown>>();
  return raw ? storedContact(raw, workspaceId) : undefined;
}

async function requireContact(db: Database, workspaceId: string, id: string) {
  const found = await getContact(db, workspaceId, id);
  if (!found) throw notFound("Contact");
  return found;
}

async function resolveSite(db: Database, workspaceId: string, siteId: string | null | undefined): Promise<SiteRef> {
  if (!siteId) return null;
  const [site] = await db
    .select({ id: sites.id, title: sites.title })
    .from(sites)
    .where(and(eq(sites.workspaceId, workspaceId), eq(sites.id, siteId)))
    .limit(rowCount(1));
  if (!site) throw validationError([{ field: "site_id", message: "does not name a site of this workspace" }]);
  return site;
}

/** Throws 409 `duplicate_contact` if another contact of the workspace has this email, phone, profile or id. */
async function assertNoDuplicate(
  db: Database,
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
  const [hit] = await db
    .select({ id: contacts.id, emailKey: contacts.emailKey, phoneKey: contacts.phoneKey, profileId: contacts.profileId })
    .from(contacts)
    .where(and(eq(contacts.workspaceId, workspaceId), or(...clauses), exceptId ? ne(contacts.id, exceptId) : undefined))
    .limit(rowCount(1));
  if (!hit) return;
  const field =
    hit.id === keys.id ? "id"
    : keys.emailKey && hit.emailKey === keys.emailKey ? "email"
    : keys.phoneKey && hit.phoneKey === keys.phoneKey ? "phone"
    : "profile_id";
  throw duplicate(field, hit.id);
}

const duplicate = (field: string, existingId?: string) =>
  new ApiError("duplicate_contact", `A contact with this ${field} already exists`, {
    details: [{ field, message: "is already used by another contact" }],
    ...(existingId ? { extra: { existing_id: existingId } } : {}),
  });

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
  db: Database,
  workspaceId: string,
  input: ContactCreateInput,
  defaults: CreateDefaults = {},
): Promise<StoredContact> {
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
  });
  const site = await resolveSite(db, workspaceId, row.siteId);
  // Duplicates are refused by unique indexes; only a refused insert pays for finding out which.
  try {
    await db.$client.batch([
      shaped(db, `contact.insert:${Object.keys(row).sort()}`, () => db.insert(contacts).values(slots(row)), row),
      outboxEventFromRow(db, workspaceId, "contact.created", sql.raw(CONTACT_JSON), contactRow(workspaceId, row.id)),
    ]);
  } catch (error) {
    if (causedBy(error, "contact_limit_reached")) {
      throw new ApiError("contact_limit_reached", "Contact limit reached for this workspace's plan");
    }
    if (causedBy(error, UNIQUE_VIOLATION)) {
      await assertNoDuplicate(db, workspaceId, row);
      throw duplicate("id");
    }
    throw error;
  }
  return { row: row as ContactRow, site };
}

/** What a save from a profile copies: name, title, company, location, photo, email and phone. */
async function profileColumns(db: Database, workspaceId: string, profileId: string): Promise<WritableColumns> {
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

/**
 * Applies `change` to the current contact and writes it back only if nobody wrote in between
 * (the `version` guard); `expect` lets a caller refuse a stale representation (If-Match).
 */
async function updateWith(
  db: Database,
  workspaceId: string,
  id: string,
  change: (current: ContactRow) => WritableColumns,
  expect?: (current: StoredContact) => Promise<void>,
  eventType: EventType = "contact.updated",
): Promise<StoredContact> {
  for (let attempt = 1; ; attempt++) {
    const current = await requireContact(db, workspaceId, id);
    await expect?.(current);
    const next = withDerived({ ...current.row, ...change(current.row) });
    const site = next.siteId === current.site?.id ? current.site : await resolveSite(db, workspaceId, next.siteId);
    // Only a changed email or phone can collide; unchanged keys need no extra read.
    if (next.emailKey !== current.row.emailKey || next.phoneKey !== current.row.phoneKey) {
      await assertNoDuplicate(db, workspaceId, { emailKey: next.emailKey, phoneKey: next.phoneKey }, id);
    }
    const now = nowIso();
    const after: ContactRow = { ...next, version: current.row.version + 1, updatedAt: now > current.row.updatedAt ? now : current.row.updatedAt };
    let written: ContactRow | undefined;
    try {
      [[written]] = await db.batch([
        db
          .update(contacts)
          .set(changedColumns(current.row, after))
          .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id), eq(contacts.version, current.row.version)))
          .returning(),
        outboxStatement(db, workspaceId, eventType, toContact({ row: after, site })),
      ]);
    } catch (error) {
      if (causedBy(error, UNIQUE_VIOLATION)) {
        await assertNoDuplicate(db, workspaceId, { emailKey: next.emailKey, phoneKey: next.phoneKey }, id);
      }
      throw error;
    }
    if (written) return { row: written, site };
    if (attempt >= WRITE_ATTEMPTS) throw new ApiError("conflict", "The contact is being changed by another request; try again");
  }
}

/** The contact `id` of the workspace, as the `from` of an outbox event built from its row. */
const contactRow = (workspaceId: string, id: string) => ({
  shape: "contact",
  sql: sql`${contacts} WHERE ${contacts.workspaceId} = ${slot("workspace")} AND ${contacts.id} = ${slot("id")}`,
  values: { workspace: workspaceId, id },
});

/** Fields a PATCH can set by SQL alone: none feeds a derived column (name, email, phone) or names a site. */
const PLAIN_FIELDS = new Set<string>(["jobTitle", "company", "location", "linkedinUrl", "photoUrl", "stage", "notes", "customFields", "tags"]);

/**
 * A PATCH of plain fields only, without If-Match, in one round trip: nothing it sets depends on
 * the current row, so the update answers with the representation it wrote (RETURNING, built by
 * SQLite) and its event is built from the same row in the same batch. Undefined when the patch is
 * not plain (then `patchContact` reads, checks and writes).
 */
export async function patchPlainFields(db: Database, workspaceId: string, id: string, input: ContactUpdateInput): Promise<string | undefined> {
  const cols = columnsFrom(input);
  if (!Object.keys(cols).every((field) => PLAIN_FIELDS.has(field))) return undefined;
  const fields = Object.keys(cols).sort();
  const row = contactRow(workspaceId, id);
  const [updated] = await db.$client.batch([
    shaped(
      db,
      `contact.patch:${fields}`,
      () =>
        db
          .update(contacts)
          .set({ ...slots(cols), version: sql`${contacts.version} + 1`, updatedAt: sql`max(${slot("now")}, ${contacts.updatedAt})` })
          .where(and(eq(contacts.workspaceId, slot("workspace")), eq(contacts.id, slot("id"))))
          .returning({ json: sql.raw(`${CONTACT_JSON} AS "json"`) }),
      { ...cols, ...row.values, now: nowIso() },
    ),
    outboxEventFromRow(db, workspaceId, "contact.updated", sql.raw(CONTACT_JSON), row),
  ]);
  const [written] = updated!.results as { json: string }[];
  if (!written) throw notFound("Contact");
  return written.json;
}

export type Precondition = (current: StoredContact) => Promise<void>;

/** PUT: every writable field is replaced; omitted ones go back to their defaults. */
export const replaceContact = (db: Database, workspaceId: string, id: string, input: ContactUpdateInput, expect?: Precondition) =>
  updateWith(db, workspaceId, id, () => ({ ...WRITABLE_DEFAULTS, ...columnsFrom(input) }), expect);

/** PATCH (and upsert on a match): only the fields given change. */
export const patchContact = (db: Database, workspaceId: string, id: string, input: ContactUpdateInput, expect?: Precondition) =>
  updateWith(db, workspaceId, id, () => columnsFrom(input), expect);

export const addTags = (db: Database, workspaceId: string, id: string, tags: string[]) =>
  updateWith(db, workspaceId, id, (current) => {
    const merged = [...new Set([...current.tags, ...tags])];
    if (merged.length > 50) throw validationError([{ field: "tags", message: "a contact can carry at most 50 tags" }]);
    return { tags: merged };
  }, undefined, "contact.tags_added");

export const removeTags = (db: Database, workspaceId: string, id: string, tags: string[]) =>
  updateWith(db, workspaceId, id, (current) => ({ tags: current.tags.filter((t) => !tags.includes(t)) }), undefined, "contact.tags_removed");

/** Deletes the contact and leaves a tombstone, in one batch. */
export async function deleteContact(db: Database, workspaceId: string, id: string, expect?: Precondition): Promise<Contact> {
  const current = await requireContact(db, workspaceId, id);
  await expect?.(current);
  const now = nowIso();
  const [deleted] = await db.batch([
    db
      .delete(contacts)
      .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, id), eq(contacts.version, current.row.version)))
      .returning({ id: contacts.id }),
    outboxStatement(db, workspaceId, "contact.deleted", toContact(current)),
    db
      .insert(contactTombstones)
      .values({ workspaceId, contactId: id, deletedAt: now })
      .onConflictDoUpdate({ target: [contactTombstones.workspaceId, contactTombstones.contactId], set: { deletedAt: now } })
      .returning({ id: contactTombstones.contactId }),
  ]);
  if (deleted.length === 0) {
    // Someone changed or deleted it in between; undo the tombstone only if the contact still exists.
    const still = await getContact(db, workspaceId, id);
    if (still) {
      await db.delete(contactTombstones).where(and(eq(contactTombstones.workspaceId, workspaceId), eq(contactTombstones.contactId, id)));
      throw new ApiError("conflict", "The contact was changed by another request; try again");
    }
    throw notFound("Contact");
  }
  return toContact(current);
}

/** Upsert: match on email, then phone; update the match with the given fields, or create. */
export async function upsertContact(
  db: Database,
  workspaceId: string,
  input: ContactCreateInput,
  defaults: CreateDefaults = {},
): Promise<{ created: boolean; contact: StoredContact }> {
  const byEmail = input.email ? await findIdBy(db, workspaceId, eq(contacts.emailKey, emailKey(input.email)!)) : undefined;
  const byPhone = input.phone && phoneKey(input.phone) ? await findIdBy(db, workspaceId, eq(contacts.phoneKey, phoneKey(input.phone)!)) : undefined;
  if (byEmail && byPhone && byEmail !== byPhone) throw duplicate("phone", byEmail);
  const match = byEmail ?? byPhone;
  if (!match) {
    if (input.first_name === undefined && input.name === undefined && input.profile_id === undefined) {
      throw validationError([{ field: "first_name", message: "is required" }]);
    }
    return { created: true, contact: await createContact(db, workspaceId, input, defaults) };
  }
  const { id: _id, source: _source, profile_id: _profile, ...fields } = input;
  return { created: false, contact: await patchContact(db, workspaceId, match, fields) };
}

async function findIdBy(db: Database, workspaceId: string, where: SQL) {
  const [row] = await db.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.workspaceId, workspaceId), where)).limit(rowCount(1));
  return row?.id;
}

export interface ContactFilters {
  q?: string;
  tags?: string[];
  stage?: Stage;
  source?: Source;
  site_id?: string;
  profile_id?: string;
  email?: string;
  phone?: string;
  created_after?: string;
  created_before?: string;
  updated_after?: string;
  sort?: Sort;
}

/** Turns free text into an FTS5 query: every word a prefix, all required. */
function ftsQuery(q: string): string | null {
  const words = q.normalize("NFKC").match(/[\p{L}\p{N}]+/gu);
  if (!words) return null;
  return words.slice(0, 16).map((w) => `"${w}"*`).join(" ");
}

function searchMatch(q: string): string {
  const match = ftsQuery(q);
  if (match === null) throw validationError([{ field: "q", message: "must contain a letter or digit" }]);
  return match;
}

/** A search index key's low 32 bits, which hold its contact's rowid. */
const ROWID_MASK = sql.raw("4294967295");

/**
 * The first key of the workspace's rows in the search index: a key carries the workspace's number
 * in its high 32 bits and the contact's rowid in the low 32 (migration 0013), so the workspace's
 * rows are one range of keys, which FTS5 seeks to by itself.
 */
const workspaceKeys = sql`(SELECT ${workspaces.number} << 32 FROM ${workspaces} WHERE ${workspaces.id} = ${slot("workspace")})`;

/** The search's matches among the workspace's rows of the index, as their contacts' rowids. */
const searchMatches = sql`SELECT rowid & ${ROWID_MASK} FROM contacts_fts WHERE contacts_fts MATCH ${slot("match")} AND rowid BETWEEN ${workspaceKeys} AND ${workspaceKeys} + ${ROWID_MASK}`;

/**
 * How a page with a selective filter (a search, tags) is found. Which is cheaper depends on how
 * many contacts match, which SQLite cannot know, so the list counts first and says:
 * - `sparse` (at most the count cap): the filter drives: look the matches up and sort them (a
 *   unary `+` on the workspace condition and in ORDER BY keeps SQLite off the other indexes);
 * - `dense` (more): the sort index drives and each row is checked against the filter, which stops
 *   after about limit × contacts ÷ matches rows (the `+` keeps SQLite off the filter's index; tags
 *   are checked one primary-key lookup per row).
 * `natural` leaves the choice to SQLite: lists without a selective filter, and the counts.
 * `window` and `tagged` serve a search alone and a tag alone in creation order (below).
 */
export type ListPlan = "natural" | "sparse" | "dense" | "window" | "tagged";

/**
 * How many contacts, in sort order, a `window` search looks through: the next ones after the
 * page's start, intersected with the search's matches among their rowids. A search that matches
 * one contact in forty fills a page of 25 from it; a rarer one falls back to the count's plan.
 */
const SEARCH_WINDOW = 1000;

type ColumnFilter = "stage" | "source" | "site_id" | "profile_id" | "email" | "phone" | "created_after" | "created_before" | "updated_after";

/** The filters that compare one column with a value, and the value as that column stores it. */
const COLUMN_FILTERS: Record<ColumnFilter, { test: typeof eq; column: AnyColumn; stored?: (value: string) => string }> = {
  stage: { test: eq, column: contacts.stage },
  source: { test: eq, column: contacts.source },
  site_id: { test: eq, column: contacts.siteId },
  profile_id: { test: eq, column: contacts.profileId },
  email: { test: eq, column: contacts.emailKey, stored: (value) => emailKey(value)! },
  phone: { test: eq, column: contacts.phoneKey, stored: (value) => phoneKey(value) ?? value },
  created_after: { test: gt, column: contacts.createdAt },
  created_before: { test: lt, column: contacts.createdAt },
  updated_after: { test: gt, column: contacts.updatedAt },
};

/** The column filters a list applies: those given a value (an empty one filters nothing). */
const columnFiltersOf = (f: ContactFilters) => (Object.keys(COLUMN_FILTERS) as ColumnFilter[]).filter((name) => Boolean(f[name]));

const isSelective = (f: ContactFilters) => f.q !== undefined || (f.tags?.length ?? 0) > 0;

/** The filters as the statements' shape sees them: which are given, and how many tags. */
function filterShape(f: ContactFilters): string {
  const given = [...(f.q !== undefined ? ["q"] : []), ...(f.tags?.length ? [`tags${f.tags.length}`] : []), ...columnFiltersOf(f)];
  return given.join(",");
}

/** A search or tags, and nothing else: counted in its own index, and its page found there. */
const selectiveAlone = (f: ContactFilters) => isSelective(f) && !(f.q !== undefined && f.tags?.length) && columnFiltersOf(f).length === 0;

/**
 * A list's values by slot name, worked out (and checked) before any statement is built: the
 * workspace, the search as an FTS5 query, each tag, each column filter's value as stored, the
 * cursor's keys.
 */
function listValues(workspaceId: string, f: ContactFilters, page: PageRequest): Record<string, unknown> {
  const values: Record<string, unknown> = { workspace: workspaceId };
  if (f.q !== undefined) values.match = searchMatch(f.q);
  f.tags?.forEach((tag, i) => (values[`tag${i}`] = tag));
  for (const name of columnFiltersOf(f)) {
    const { stored } = COLUMN_FILTERS[name];
    values[name] = stored ? stored(f[name]!) : f[name];
  }
  page.after?.forEach((key, i) => (values[`after${i}`] = key));
  return values;
}

const tagSlots = (f: ContactFilters) => (f.tags ?? []).map((_, i) => slot(`tag${i}`));

/**
 * The workspace condition for rows a filter's matches lead to: the `+` keeps SQLite off the
 * indexes that start with the workspace, so the matches drive.
 */
const inWorkspaceByMatches = sql`+${contacts.workspaceId} = ${slot("workspace")}`;

/**
 * The list's conditions, over slots. `firstMatches` reads at most the count cap + 1 matches of a
 * search or tag filter: a sparse page that is exact whenever that filter is the only one and the
 * count stays under the cap, and costs little when it does not (see `listContacts`).
 */
function filterConditions(f: ContactFilters, plan: ListPlan = "natural", firstMatches = false): SQL[] {
  const where: SQL[] = [eq(contacts.workspaceId, slot("workspace"))];
  const cap = firstMatches ? sql` LIMIT ${rowCount(COUNT_CAP + 1)}` : sql``;
  if (f.q !== undefined) {
    const matches = sql`(${searchMatches}${cap})`;
    where.push(plan === "dense" ? sql`+${contacts}.rowid IN ${matches}` : sql`${contacts}.rowid IN ${matches}`);
  }
  if (f.tags?.length) {
    if (plan === "dense") {
      for (const tag of tagSlots(f)) {
        where.push(sql`EXISTS (SELECT 1 FROM ${contactTags} WHERE ${contactTags.contactId} = ${contacts.id} AND ${contactTags.tag} = ${tag})`);
      }
    } else {
      where.push(sql`${contacts.id} IN (${taggedWithAll(f)}${cap})`);
    }
  }
  for (const name of columnFiltersOf(f)) {
    const { test, column } = COLUMN_FILTERS[name];
    where.push(test(column, slot(name)));
  }
  return where;
}

function taggedWithAll(f: ContactFilters) {
  const [first, ...others] = tagSlots(f);
  const inWorkspace = eq(contactTags.workspaceId, slot("workspace"));
  if (others.length === 0) return sql`SELECT ${contactTags.contactId} FROM ${contactTags} WHERE ${and(inWorkspace, eq(contactTags.tag, first!))}`;
  return sql`SELECT ${contactTags.contactId} FROM ${contactTags} WHERE ${and(inWorkspace, inArray(contactTags.tag, [first!, ...others]))} GROUP BY ${contactTags.contactId} HAVING count(*) = ${rowCount(others.length + 1)}`;
}

const SORT_COLUMNS = {
  created_at: contacts.createdAt,
  updated_at: contacts.updatedAt,
  name: contacts.sortName,
} as const;

export function sortSpec(sort: Sort = "-created_at") {
  const descending = sort.startsWith("-");
  const column = SORT_COLUMNS[sort.replace(/^-/, "") as keyof typeof SORT_COLUMNS];
  return { descending, column };
}

/**
 * The two statements behind a list page: the rows, and (for a filtered list) the capped count.
 * Each is built once per shape (plan, sort, page size and offset, which filters; see `shapedQuery`)
 * and takes this request's values.
 */
export function contactListQueries(db: Database, workspaceId: string, filters: ContactFilters, page: PageRequest, plan: ListPlan = "natural") {
  const values = listValues(workspaceId, filters, page);
  const shape = filterShape(filters);
  let built: ReturnType<typeof listStatements> | undefined;
  const build = () => (built ??= listStatements(db, filters, page, plan));
  const rowsShape = `contacts.page:${plan}:${filters.sort ?? "-created_at"}:${page.limit}:${page.offset}:${page.after?.length ?? 0}:${shape}`;
  return {
    rows: shapedQuery(rowsShape, () => build().rows, values),
    count: shape === "" ? null : shapedQuery(`contacts.count:${shape}`, () => build().count!, values),
  };
}

function listStatements(db: Database, filters: ContactFilters, page: PageRequest, plan: ListPlan) {
  const counted = filterConditions(filters);
  const matches = counted.length > 1 ? countedMatches(filters, counted) : null;
  const where = filterConditions(filters, plan, plan === "sparse" && selectiveAlone(filters));
  // Sparse: the matches are the only way in (every other index starts with the workspace).
  if (plan === "sparse") where[0] = inWorkspaceByMatches;
  const { descending, column } = sortSpec(filters.sort);
  const pageColumns = { contact: sql.raw(`${CONTACT_JSON} AS "json", ${col("id")} AS "id", ${col(column.name)} AS "sortKey"`) };
  const direction = descending ? desc : asc;
  // The sort as keys to compare (`+`: not by walking the sort index), for the few rows of a
  // filter's matches, and as the sort index's own order.
  const byKeys = [direction(sql`+${column}`), direction(sql`+${contacts.id}`)];
  const order = plan === "sparse" ? byKeys : [direction(column), direction(contacts.id)];
  const afterKeys = page.after?.map((_, i) => slot(`after${i}`));
  const after = (columns: (AnyColumn | SQL)[]) => (afterKeys ? keysetAfter(columns, afterKeys, descending) : undefined);
  const pageWhere = [...where, after([column, contacts.id])];
  /** The page's rows of `query`, and one more to tell whether another page follows. */
  const paged = <T extends SQLiteSelect>(query: T) => query.limit(rowCount(page.limit + 1)).offset(rowCount(page.offset));
  const onePage = <T extends SQLiteSelect>(query: T) => paged(query.where(and(...pageWhere)).orderBy(...order));
  // The page's contacts, found and sorted by their keys alone: whole rows are read and turned into
  // JSON for the page only, not for every candidate the sort looks at.
  const byRowid = (keys: SQLWrapper) => db.select(pageColumns).from(contacts).where(sql`${contacts}.rowid IN (${keys})`).orderBy(...byKeys);
  let rows;
  if (plan === "window") {
    // The next SEARCH_WINDOW contacts in sort order are read from the sort index twice, cheaply:
    // once for their rowid range, once for the last one's sort key (the edge). The search's
    // matches within that range (one range of the search index; new contacts have the highest
    // rowids, so the range of the newest is narrow) that sort no further than the edge are exactly
    // the window's matches (with fewer contacts left than that, there is no edge and the window is
    // all of them): every match outside the window sorts after all of it, so a full page from them
    // is the page.
    const walk = (selected: SQL, limit: number, offset: number) =>
      sql`SELECT ${selected} FROM ${contacts} WHERE ${and(eq(contacts.workspaceId, slot("workspace")), after([column, contacts.id]))} ORDER BY ${sql.join(order, sql`, `)} LIMIT ${rowCount(limit)} OFFSET ${rowCount(offset)}`;
    const bounds = sql`(SELECT ${workspaceKeys} + min(r) AS lo, ${workspaceKeys} + max(r) AS hi FROM (${walk(sql`${contacts}.rowid AS r`, SEARCH_WINDOW, 0)}))`;
    // The edge, read once: a candidate compares with it as in (true) or out (false), and with no
    // edge as null, which counts as in.
    const edge = walk(sql`${column}, ${contacts.id}`, 1, SEARCH_WINDOW - 1);
    const withinEdge = sql`coalesce((${column}, ${contacts.id}) ${sql.raw(descending ? ">=" : "<=")} (${edge}), 1)`;
    // CROSS JOIN: SQLite keeps the one-row bounds outside, so the search index reads only the range.
    const inRange = sql`SELECT f.rowid & ${ROWID_MASK} FROM ${bounds} AS b CROSS JOIN contacts_fts AS f WHERE contacts_fts MATCH ${slot("match")} AND f.rowid BETWEEN b.lo AND b.hi`;
    // The matches drive, not the sort index; the few of them are sorted.
    rows = byRowid(
      paged(
        db
          .select({ rowid: sql`${contacts}.rowid` })
          .from(contacts)
          .where(and(sql`${contacts}.rowid IN (${inRange})`, inWorkspaceByMatches, after([column, contacts.id]), withinEdge))
          .orderBy(...byKeys)
          .$dynamic(),
      ),
    );
  } else if (plan === "tagged") {
    // One tag, by creation: the tag index is in that order, so the page is its next entries.
    const tagWhere = [eq(contactTags.workspaceId, slot("workspace")), eq(contactTags.tag, slot("tag0")), eq(contacts.workspaceId, slot("workspace"))];
    rows = paged(
      db
        .select(pageColumns)
        .from(contactTags)
        .innerJoin(contacts, eq(contacts.id, contactTags.contactId))
        .where(and(...tagWhere, after([contactTags.createdAt, contactTags.contactId])))
        .orderBy(direction(contactTags.createdAt), direction(contactTags.contactId))
        .$dynamic(),
    );
  } else if (plan === "sparse") {
    rows = byRowid(onePage(db.select({ rowid: sql`${contacts}.rowid` }).from(contacts).$dynamic()));
  } else {
    rows = onePage(db.select(pageColumns).from(contacts).$dynamic());
  }
  const countQuery = matches && db.select({ n: count() }).from(sql`(${matches} LIMIT ${rowCount(COUNT_CAP + 1)}) AS capped`);
  return { rows, count: countQuery };
}

/**
 * What a filtered list's capped count reads. A search alone is counted in the search index, tags
 * alone in the tag index. Other selective combinations are counted from their matches (the
 * workspace condition made unindexable with `+`, so SQLite looks the matches up instead of
 * walking the whole workspace to find the few there are).
 */
function countedMatches(filters: ContactFilters, where: SQL[]): SQL {
  if (selectiveAlone(filters)) return filters.q !== undefined ? searchMatches : taggedWithAll(filters);
  const [scope, ...rest] = where;
  const workspace = isSelective(filters) ? inWorkspaceByMatches : scope;
  return sql`SELECT 1 FROM ${contacts} WHERE ${and(workspace, ...rest)}`;
}

/** The single number a count query selects (by position: Drizzle's SQL names it after its column or expression). */
const countOf = (result: D1Result) => {
  const [row] = result.results as Record<string, number>[];
  return row ? (Object.values(row)[0] ?? 0) : 0;
};

/**
 * A page of the workspace's contacts and its total. `contactCount`: the workspace's trigger-kept
 * count as of this request's first round trip, when the caller has it (the total of an unfiltered
 * list, which then needs no statement of its own).
 */
export async function listContacts(db: Database, workspaceId: string, filters: ContactFilters, page: PageRequest, contactCount?: () => Promise<number>) {
  if (!isSelective(filters)) {
    const natural = contactListQueries(db, workspaceId, filters, page);
    if (!natural.count && contactCount) {
      const rows = await statement(db, natural.rows).all();
      return { rows: pageRows(rows), total: await contactCount(), totalExact: true };
    }
    // Unfiltered: the total is the workspace's trigger-kept counter, read in the same round trip.
    const total = natural.count ?? db.select({ n: workspaces.contactCount }).from(workspaces).where(eq(workspaces.id, workspaceId));
    const [rows, counted] = await db.$client.batch([statement(db, natural.rows), statement(db, total)]);
    const n = countOf(counted!);
    return { rows: pageRows(rows!), ...(natural.count ? cappedTotal(n) : { total: n, totalExact: true }) };
  }
  // A search or tags alone (in creation order, for a search) get their page in the count's round
  // trip; anything else counts first, then builds the plan the count picks.
  const alone = selectiveAlone(filters);
  const byCreation = sortSpec(filters.sort).column === contacts.createdAt;
  const queries = (plan: ListPlan) => contactListQueries(db, workspaceId, filters, page, plan);
  let n: number;
  let rows: ContactJson[] | undefined;
  if (alone && filters.q === undefined) {
    // One tag by creation: the page straight from the tag index. Several tags, or another order:
    // the page among the first matches, the answer unless the count passes the cap (then it cost
    // about a thousand index lookups).
    const oneTag = filters.tags!.length === 1 && byCreation;
    const { count, rows: first } = queries(oneTag ? "tagged" : "sparse");
    const [counted, found] = await db.$client.batch([statement(db, count!), statement(db, first)]);
    n = countOf(counted!);
    if (oneTag || n <= COUNT_CAP) rows = pageRows(found!);
  } else if (alone && byCreation) {
    // A search: a full window page is the answer, whatever the count (it is exact, see `window`).
    const { count, rows: inWindow } = queries("window");
    const [counted, found] = await db.$client.batch([statement(db, count!), statement(db, inWindow)]);
    n = countOf(counted!);
    if (found!.results.length > page.limit) rows = pageRows(found!);
    else if (n <= COUNT_CAP) rows = pageRows(await statement(db, queries("sparse").rows).all());
  } else {
    const sparse = queries("sparse");
    n = countOf(await statement(db, sparse.count!).all());
    if (n <= COUNT_CAP) rows = pageRows(await statement(db, sparse.rows).all());
  }
  rows ??= pageRows(await statement(db, queries("dense").rows).all());
  return { rows, ...cappedTotal(n) };
}

export async function tagCounts(db: Database, workspaceId: string, page: PageRequest) {
  const n = sql<number>`count(*)`;
  const rows = await db
    .select({ tag: contactTags.tag, count: n })
    .from(contactTags)
    .where(eq(contactTags.workspaceId, workspaceId))
    .groupBy(contactTags.tag)
    .having(page.after ? keysetAfter([sql`-count(*)`, contactTags.tag], [-(page.after[0] as number), page.after[1] ?? ""], false) : undefined)
    .orderBy(desc(n), asc(contactTags.tag))
    .limit(rowCount(page.limit + 1))
    .offset(rowCount(page.offset));
  const [total] = await db
    .select({ n: sql<number>`count(DISTINCT ${contactTags.tag})` })
    .from(contactTags)
    .where(eq(contactTags.workspaceId, workspaceId));
  return { rows, total: total?.n ?? 0 };
}

export async function deletedSince(db: Database, workspaceId: string, since: string | undefined, page: PageRequest) {
  const where = [eq(contactTombstones.workspaceId, workspaceId)];
  if (since) where.push(gt(contactTombstones.deletedAt, since));
  const pageWhere = page.after ? [...where, keysetAfter([contactTombstones.deletedAt, contactTombstones.contactId], page.after, false)] : where;
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(contactTombstones)
      .where(and(...pageWhere))
      .orderBy(asc(contactTombstones.deletedAt), asc(contactTombstones.contactId))
      .limit(rowCount(page.limit + 1))
      .offset(rowCount(page.offset)),
    db.select({ n: count() }).from(contactTombstones).where(and(...where)),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** Tombstones older than this are purged by the scheduled handler. */
export const TOMBSTONE_DAYS = 30;

export async function purgeTombstones(db: Database, now = Date.now()) {
  const cutoff = new Date(now - TOMBSTONE_DAYS * 86_400_000).toISOString();
  await db.delete(contactTombstones).where(lt(contactTombstones.deletedAt, cutoff));
}

/** How many contacts came through each source. */
export async function contactsBySource(db: Database, workspaceId: string): Promise<Record<Source, number>> {
  const rows = await db
    .select({ source: contacts.source, n: count() })
    .from(contacts)
    .where(eq(contacts.workspaceId, workspaceId))
    .groupBy(contacts.source);
  const counts: Record<Source, number> = { qr_scan: 0, web: 0, mcp: 0, api: 0, import: 0 };
  for (const row of rows) counts[row.source as Source] = row.n;
  return counts;
}
