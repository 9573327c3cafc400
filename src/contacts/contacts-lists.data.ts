import { and, asc, count, desc, eq, gt, lt, sql } from "drizzle-orm";
import { cappedTotal } from "../lib/db/pages";
import { type Db, rowCount } from "../lib/db/runner";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import { workspaces } from "../workspaces/workspaces.table";
import type { ContactJson } from "./contacts.data";
import type { Source } from "./contacts.fields";
import {
  type ContactFilters,
  filterConditions,
  filterShape,
  firstStep,
  isSelective,
  type ListPlan,
  listShape,
  listStatements,
  listValues,
  planAfterCount,
  walkCounts,
  walkPlan,
} from "./contacts.search";
import { contacts, contactTags, contactTombstones } from "./contacts.table";

/** The contacts' lists: the searched and filtered list (as `contacts.search.ts` plans it), tags, tombstones, sources. */

/** A list page's row: the contact's representation and its key in the page's order. */
export interface ContactPageRow {
  json: ContactJson;
  id: string;
  sortKey: string;
}

/** The single number a count query selects (by position: its column is named after its expression). */
const countOf = (rows: Record<string, number>[]) => (rows[0] ? (Object.values(rows[0])[0] ?? 0) : 0);

/**
 * A page of the workspace's contacts and its total, by the plans `contact-search.ts` chooses.
 * `contactCount`: the workspace's trigger-kept count as of this request's first round trip, when
 * the caller has it (the total of an unfiltered list, which then needs no statement of its own).
 */
export async function listContacts(
  db: Db,
  workspaceId: string,
  filters: ContactFilters,
  page: PageRequest,
  contactCount?: () => Promise<number>,
) {
  const values = listValues(workspaceId, filters, page);
  const statements = (plan: ListPlan) => {
    const shape = listShape(filters, page, plan);
    let built: ReturnType<typeof listStatements> | undefined;
    const build = () => (built ??= listStatements(filters, page, plan));
    return {
      rows: db.shaped<ContactPageRow>(shape.rows, () => build().rows, values),
      count: shape.count === null ? null : db.shaped<Record<string, number>>(shape.count, () => build().count!, values),
    };
  };
  const first = firstStep(filters);
  if (!isSelective(filters)) {
    const { rows, count } = statements(first.plan);
    if (!count && contactCount) return { rows: await db.all(rows), total: await contactCount(), totalExact: true };
    // Unfiltered: the total is the workspace's trigger-kept counter, read in the same round trip.
    const total = count ?? db.orm.select({ n: workspaces.contactCount }).from(workspaces).where(eq(workspaces.id, workspaceId));
    const [found, counted] = await db.batch([rows, total]);
    const n = countOf(counted as Record<string, number>[]);
    return { rows: found, ...(count ? cappedTotal(n) : { total: n, totalExact: true }) };
  }
  const { rows, count } = statements(first.plan);
  let n: number;
  let found: ContactPageRow[] = [];
  if (first.page) {
    const [counted, pageRows] = await db.batch([count!, rows]);
    n = countOf(counted);
    found = pageRows;
  } else {
    n = countOf(await db.all(count!));
  }
  const next = planAfterCount(first, n, found.length, page.limit);
  if (next !== null) found = await db.all(statements(next).rows);
  return { rows: found, ...cappedTotal(n) };
}

/** How many contacts a walk reads a round trip. */
const WALK_PAGE = 500;

/**
 * Every contact matching `filters`, in the list's order, a page at a time by keyset (an export): one
 * page is held at once however many match. The plan is chosen once, from the capped count where
 * the list would count, and kept for every page (see `walkPlan`).
 */
export async function* walkContacts(db: Db, workspaceId: string, filters: ContactFilters, pageSize = WALK_PAGE) {
  let page: PageRequest = { scope: "contacts:walk", limit: pageSize, page: 1, offset: 0 };
  let counted = 0;
  if (walkCounts(filters)) {
    const shape = listShape(filters, page, "natural").count!;
    const count = db.shaped<Record<string, number>>(
      shape,
      () => listStatements(filters, page, "natural").count!,
      listValues(workspaceId, filters, page),
    );
    counted = countOf(await db.all(count));
  }
  const plan = walkPlan(filters, counted);
  for (;;) {
    const current = page;
    const rows = await db.all(
      db.shaped<ContactPageRow>(
        listShape(filters, current, plan).rows,
        () => listStatements(filters, current, plan).rows,
        listValues(workspaceId, filters, current),
      ),
    );
    const pageRows = rows.slice(0, pageSize);
    yield pageRows.map((r) => r.json);
    const last = pageRows.at(-1);
    if (rows.length <= pageSize || !last) return;
    page = { ...page, after: [last.sortKey, last.id] };
  }
}

/** The custom field keys of the contacts matching `filters`, in order, at most `limit`. */
export async function customFieldKeys(db: Db, workspaceId: string, filters: ContactFilters, limit: number): Promise<string[]> {
  const statement = db.shaped<{ key: string }>(
    `contacts.custom-keys:${filterShape(filters)}:${limit}`,
    () => customKeysStatement(filters, limit),
    {
      ...listValues(workspaceId, filters, { scope: "", limit, page: 1, offset: 0 }),
    },
  );
  return (await db.all(statement)).map((r) => r.key);
}

export async function tagCounts(db: Db, workspaceId: string, page: PageRequest) {
  const n = sql<number>`count(*)`;
  const { orm } = db;
  const [rows, [total]] = await db.batch([
    orm
      .select({ tag: contactTags.tag, count: n })
      .from(contactTags)
      .where(eq(contactTags.workspaceId, workspaceId))
      .groupBy(contactTags.tag)
      .having(
        page.after ? keysetAfter([sql`-count(*)`, contactTags.tag], [-(page.after[0] as number), page.after[1] ?? ""], false) : undefined,
      )
      .orderBy(desc(n), asc(contactTags.tag))
      .limit(rowCount(page.limit + 1))
      .offset(rowCount(page.offset)),
    orm
      .select({ n: sql<number>`count(DISTINCT ${contactTags.tag})` })
      .from(contactTags)
      .where(eq(contactTags.workspaceId, workspaceId)),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function deletedSince(db: Db, workspaceId: string, since: string | undefined, page: PageRequest) {
  const where = [eq(contactTombstones.workspaceId, workspaceId)];
  if (since) where.push(gt(contactTombstones.deletedAt, since));
  const pageWhere = page.after
    ? [...where, keysetAfter([contactTombstones.deletedAt, contactTombstones.contactId], page.after, false)]
    : where;
  const { orm } = db;
  const [rows, [total]] = await db.batch([
    orm
      .select()
      .from(contactTombstones)
      .where(and(...pageWhere))
      .orderBy(asc(contactTombstones.deletedAt), asc(contactTombstones.contactId))
      .limit(rowCount(page.limit + 1))
      .offset(rowCount(page.offset)),
    orm
      .select({ n: count() })
      .from(contactTombstones)
      .where(and(...where)),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** Tombstones older than this are purged by the scheduled handler. */
export const TOMBSTONE_DAYS = 30;

export async function purgeTombstones(db: Db, now = Date.now()) {
  const cutoff = new Date(now - TOMBSTONE_DAYS * 86_400_000).toISOString();
  await db.run(db.orm.delete(contactTombstones).where(lt(contactTombstones.deletedAt, cutoff)));
}

/** How many contacts came through each source. */
export async function contactsBySource(db: Db, workspaceId: string): Promise<Record<Source, number>> {
  const rows = await db.all(
    db.orm
      .select({ source: contacts.source, n: count() })
      .from(contacts)
      .where(eq(contacts.workspaceId, workspaceId))
      .groupBy(contacts.source),
  );
  const counts: Record<Source, number> = { qr_scan: 0, web: 0, mcp: 0, api: 0, import: 0 };
  for (const row of rows) counts[row.source as Source] = row.n;
  return counts;
}

/**
 * The custom field keys the contacts matching `filters` use, in order, at most `limit` of them
 * (the columns of a CSV export, known before its first row). Reads every match's custom fields.
 */
function customKeysStatement(filters: ContactFilters, limit: number) {
  return sql`SELECT DISTINCT j.key AS "key" FROM ${contacts}, json_each(${contacts.customFields}) AS j WHERE ${and(...filterConditions(filters))} ORDER BY 1 LIMIT ${rowCount(limit)}`;
}
