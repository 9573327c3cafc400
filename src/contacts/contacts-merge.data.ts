import { and, asc, count, eq, getTableColumns, inArray, or, sql } from "drizzle-orm";
import { causedBy, type Db, rowCount } from "../lib/db/runner";
import { ApiError, type FieldError, notFound, validationError } from "../lib/errors";
import { nowIso } from "../lib/ids";
import { keysetAfter, type PageRequest, pageOf } from "../lib/pagination";
import { outboxEvent } from "../webhooks/outbox.data";
import { withDerived } from "./contacts.columns";
import { type ContactJson, changedColumns, inWorkspace, json, parseContact, representation, WRITE_ATTEMPTS } from "./contacts.data";
import { type CustomFields, WRITABLE, WRITABLE_COLUMNS } from "./contacts.fields";
import { type ContactRow, contactNameCompanies, contacts, contactTombstones } from "./contacts.table";

/** What the merge guard's trigger raises when a contact changed between the read and the write (see migrations/0004). */
const MERGE_CONFLICT = "contact_merge_conflict";

/** How a merge fills each column: united, concatenated, or the first non-empty value (the survivor's first). */
const UNITED = new Set(["tags", "customFields", "notes"]);
const FILLED = [...WRITABLE_COLUMNS.map((c) => c.property).filter((p) => !UNITED.has(p)), "profileId"] as const;

const isEmpty = (value: unknown) => value === null || value === undefined || value === "";

/** Between notes of merged contacts. */
const NOTES_SEPARATOR = "\n\n";

/**
 * The survivor's columns after the merge: its empty fields filled from the others in the order
 * given, tags and custom fields united (the survivor's values win, a null value counts as empty),
 * notes concatenated. Refused (400) when the result breaks a contact's limits (50 tags, 50 custom
 * fields, 10,000 characters of notes), since dropping any of it would lose data silently.
 */
export function mergedColumns(survivor: ContactRow, others: ContactRow[]): Partial<ContactRow> {
  const all = [survivor, ...others];
  const filled = Object.fromEntries(
    FILLED.map((property) => [property, all.map((row) => row[property]).find((v) => !isEmpty(v)) ?? survivor[property]]),
  );
  // A plain object (drizzle refuses one without a prototype), each key an own property, `__proto__` included.
  const customFields: CustomFields = {};
  for (const row of all)
    for (const [key, value] of Object.entries(row.customFields))
      if (!Object.hasOwn(customFields, key) || isEmpty(customFields[key]))
        Object.defineProperty(customFields, key, { value, enumerable: true, writable: true, configurable: true });
  const notes = all
    .map((row) => row.notes)
    .filter((n) => !isEmpty(n))
    .join(NOTES_SEPARATOR);
  const united = { tags: [...new Set(all.flatMap((row) => row.tags))], custom_fields: customFields, notes: notes || null };
  const problems: FieldError[] = [];
  for (const [field, value] of Object.entries(united)) {
    const problem = WRITABLE[field as keyof typeof united].safeParse(value).error?.issues[0]?.message;
    if (problem) problems.push({ field, message: `would be invalid once merged: ${problem}` });
  }
  if (problems.length) throw validationError(problems);
  return { ...filled, tags: united.tags, customFields, notes: united.notes };
}

/** Checks a merge's ids: none twice, the survivor not among those merged into it. */
function assertMergeIds(id: string, from: string[]) {
  const problems: FieldError[] = [];
  if (from.includes(id)) problems.push({ field: "from", message: "must not contain the contact merged into (the id in the path)" });
  if (new Set(from).size !== from.length) problems.push({ field: "from", message: "must not name a contact twice" });
  if (problems.length) throw validationError(problems);
}

/** The survivor and the contacts to merge into it, as they are now; 404 naming each id that is not a contact of the workspace. */
async function readMergeContacts(db: Db, workspaceId: string, id: string, from: string[]) {
  const rows = await db.all(
    db.orm
      .select(getTableColumns(contacts))
      .from(contacts)
      .where(and(eq(contacts.workspaceId, workspaceId), inArray(contacts.id, [id, ...from]))),
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const survivor = byId.get(id);
  if (!survivor) throw notFound("Contact");
  const missing = from.flatMap((fromId, i) =>
    byId.has(fromId) ? [] : [{ field: `from.${i}`, message: "is not a contact of this workspace" }],
  );
  if (missing.length) throw new ApiError("not_found", "Contact to merge not found", { details: missing });
  return { survivor, others: from.map((fromId) => byId.get(fromId)!) };
}

/**
 * Merges the contacts `from` into contact `id` (see `mergedColumns`) and answers the survivor.
 * One batch: it proves none of the contacts changed since they were read (else it aborts and the
 * merge starts over), deletes the merged contacts leaving tombstones that name the survivor,
 * updates the survivor, and writes one `contact.merged` event.
 */
export async function mergeContacts(db: Db, workspaceId: string, id: string, from: string[]): Promise<ContactJson> {
  assertMergeIds(id, from);
  for (let attempt = 1; ; attempt++) {
    const { survivor, others } = await readMergeContacts(db, workspaceId, id, from);
    const now = nowIso();
    const after: ContactRow = {
      ...withDerived({ ...survivor, ...mergedColumns(survivor, others) }),
      version: survivor.version + 1,
      // biome-ignore lint/complexity/useMathMinMax: ISO timestamps, compared as text.
      updatedAt: now > survivor.updatedAt ? now : survivor.updatedAt,
    };
    const unchanged = or(...[survivor, ...others].map((row) => and(eq(contacts.id, row.id), eq(contacts.version, row.version))));
    try {
      const [, , , [merged]] = await db.batch([
        db.orm.run(
          sql`INSERT INTO contact_merge_guard (unchanged) SELECT count(*) = ${others.length + 1} FROM ${contacts} WHERE ${and(eq(contacts.workspaceId, workspaceId), unchanged)}`,
        ),
        db.orm.delete(contacts).where(and(eq(contacts.workspaceId, workspaceId), inArray(contacts.id, from))),
        db.orm
          .insert(contactTombstones)
          .values(from.map((contactId) => ({ workspaceId, contactId, deletedAt: now, mergedInto: id })))
          .onConflictDoUpdate({
            target: [contactTombstones.workspaceId, contactTombstones.contactId],
            set: { deletedAt: now, mergedInto: id },
          }),
        db.orm.update(contacts).set(changedColumns(survivor, after)).where(inWorkspace(workspaceId, id)).returning({ json }),
        outboxEvent(db, workspaceId, "contact.merged", {
          data: sql`json_object('contact', json(${representation}), 'merged_ids', json(${JSON.stringify(from)}))`,
          from: sql`${contacts} WHERE ${inWorkspace(workspaceId, id)}`,
          afterChange: true,
        }),
      ]);
      return merged!.json;
    } catch (error) {
      if (!causedBy(error, MERGE_CONFLICT)) throw error;
      if (attempt >= WRITE_ATTEMPTS) throw new ApiError("conflict", "The contacts are being changed by other requests; try again");
    }
  }
}

/** The contact a deleted contact was merged into, while its tombstone is kept. */
export async function mergedInto(db: Db, workspaceId: string, id: string): Promise<string | undefined> {
  const row = await db.first(
    db.orm
      .select({ mergedInto: contactTombstones.mergedInto })
      .from(contactTombstones)
      .where(and(eq(contactTombstones.workspaceId, workspaceId), eq(contactTombstones.contactId, id)))
      .limit(rowCount(1)),
  );
  return row?.mergedInto ?? undefined;
}

/** At most this many contacts are listed in one duplicate group (its `count` says how many it has). */
export const GROUP_CONTACTS = 11;

export interface DuplicateGroup {
  reason: "name_company";
  /** The group's key, as `keyOf` pages by it. */
  sortName: string;
  companyKey: string;
  count: number;
  contacts: ContactJson[];
}

const g = contactNameCompanies;
// `> 1` written out, not bound, so SQLite sees the partial index's own condition and uses it.
const sharedBy = (workspaceId: string) => and(eq(g.workspaceId, workspaceId), sql`${g.contacts} > 1`);
const groupKey = [g.sortName, g.companyKey];

/** A page of the workspace's duplicate groups, by name and then company, from the partial index of shared names and companies. */
export const groupsPage = (db: Db, workspaceId: string, page: PageRequest) =>
  db.orm
    .select({ sortName: g.sortName, companyKey: g.companyKey, count: g.contacts })
    .from(g)
    .where(and(sharedBy(workspaceId), page.after ? keysetAfter(groupKey, page.after, false) : undefined))
    .orderBy(...groupKey.map((column) => asc(column)))
    .limit(rowCount(page.limit + 1))
    .offset(rowCount(page.offset));

/** A group's oldest contacts, found by the name index. */
export const groupContacts = (db: Db, workspaceId: string, group: { sortName: string; companyKey: string }) =>
  db.orm
    .select({ json })
    .from(contacts)
    .where(
      and(
        eq(contacts.workspaceId, workspaceId),
        eq(contacts.sortName, group.sortName),
        sql`lower(trim(${contacts.company})) = ${group.companyKey}`,
      ),
    )
    // `+`: sorting the group's few contacts beats walking the workspace in creation order to find them.
    .orderBy(sql`+${contacts.createdAt}`, asc(contacts.id))
    .limit(rowCount(GROUP_CONTACTS));

/** A page of duplicate groups, each with its oldest contacts, and how many groups there are. */
async function duplicateGroups(db: Db, workspaceId: string, page: PageRequest): Promise<{ groups: DuplicateGroup[]; total: number }> {
  const [groups, [total]] = await db.batch([
    groupsPage(db, workspaceId, page),
    db.orm.select({ n: count() }).from(g).where(sharedBy(workspaceId)),
  ]);
  if (groups.length === 0) return { groups: [], total: total?.n ?? 0 };
  const members = (await db.batch(groups.map((group) => groupContacts(db, workspaceId, group)) as [never, ...never[]])) as unknown as {
    json: ContactJson;
  }[][];
  return {
    groups: groups.map((group, i) => ({ reason: "name_company", ...group, contacts: members[i]!.map((m) => m.json) })),
    total: total?.n ?? 0,
  };
}

/** The `GET /contacts/duplicates` answer (and the MCP tool's): `{data: [{reason, count, contacts}], pagination}`. */
export async function duplicatesPage(db: Db, workspaceId: string, page: PageRequest) {
  const { groups, total } = await duplicateGroups(db, workspaceId, page);
  return pageOf(groups, page, {
    keyOf: (group) => [group.sortName, group.companyKey],
    toItem: (group) => ({ reason: group.reason, count: group.count, contacts: group.contacts.map(parseContact) }),
    total,
  });
}
