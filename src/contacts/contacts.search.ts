import { type AnyColumn, and, asc, count, desc, eq, fillPlaceholders, gt, inArray, lt, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { SQLiteSelectQueryBuilder } from "drizzle-orm/sqlite-core";
import { COUNT_CAP } from "../lib/db/pages";
import { type Buildable, queryBuilder as qb, rowCount, slot } from "../lib/db/runner";
import { validationError } from "../lib/errors";
import { keysetAfter, type PageRequest } from "../lib/pagination";
import { workspaces } from "../workspaces/workspaces.table";
import { CONTACT_JSON, emailKey, phoneKey, type Source, type Stage } from "./contacts.fields";
import type { CustomFieldFilter, Sort } from "./contacts.schemas";
import { contacts, contactTags } from "./contacts.table";
import { alsoNumeric, customFieldMatches, customFieldOfRow, customFieldValues } from "./contacts-custom-fields.search";

/**
 * The contacts list's query planner: filters and a page in, statements out. Pure: it builds SQL
 * (with Drizzle's query builder, no database) and decides between plans from the counts it is
 * given; `listContacts` in contacts.data.ts runs what it says.
 *
 * Which way to find a page depends on how many contacts match, which SQLite cannot know, so a
 * search or a tag filter is counted first (capped at COUNT_CAP) and the count picks the plan:
 * - `sparse` (at most the cap): the filter's matches drive, are looked up and sorted (a unary `+`
 *   on the workspace condition and in ORDER BY keeps SQLite off the other indexes);
 * - `dense` (more): the sort index drives and each row is checked against the filter, which stops
 *   after about limit × contacts ÷ matches rows (tags are checked one primary-key lookup a row);
 * - `natural`: SQLite chooses; lists without a selective filter, and every count;
 * - `window` (a search alone, by creation) and `tagged` (one tag alone, by creation) answer the
 *   commonest shapes in the count's own round trip (see `listStatements`).
 *
 * Custom-field filters are found in their own index (`contact_custom_fields`) like tags in theirs:
 * each is selective, except `[exists]=false`, which is checked row by row like a column filter.
 */

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
  custom_fields?: CustomFieldFilter[];
  sort?: Sort;
}

export type ListPlan = "natural" | "sparse" | "dense" | "window" | "tagged";

/** The statements of one round trip; `count` is null for an unfiltered list. */
export interface ListStatements {
  rows: Buildable;
  count: Buildable | null;
}

/** Turns free text into an FTS5 query: every word (of the first 16) a prefix, all required. */
function searchMatch(q: string): string {
  const words = q.normalize("NFKC").match(/[\p{L}\p{N}]+/gu);
  if (!words) throw validationError([{ field: "q", message: "must contain a letter or digit" }]);
  return words
    .slice(0, 16)
    .map((w) => `"${w}"*`)
    .join(" ");
}

/** A search index key's low 32 bits, which hold its contact's rowid. */
const ROWID_MASK = sql.raw("4294967295");

/**
 * The first key of the workspace's rows in the search index: a key carries the workspace's number
 * in its high 32 bits and the contact's rowid in the low 32 (see migrations/0001), so the
 * workspace's rows are one range of keys, which FTS5 seeks to by itself.
 */
const workspaceKeys = sql`(SELECT ${workspaces.number} << 32 FROM ${workspaces} WHERE ${workspaces.id} = ${slot("workspace")})`;

/** The search's matches among the workspace's rows of the index, as their contacts' rowids. */
const searchMatches = sql`SELECT rowid & ${ROWID_MASK} FROM contacts_fts WHERE contacts_fts MATCH ${slot("match")} AND rowid BETWEEN ${workspaceKeys} AND ${workspaceKeys} + ${ROWID_MASK}`;

/**
 * How many contacts, in sort order, a `window` search looks through: the next ones after the
 * page's start, intersected with the search's matches among their rowids. A search that matches
 * one contact in forty fills a page of 25 from it; a rarer one falls back to the count's plan.
 */
const SEARCH_WINDOW = 1000;

type ColumnFilter =
  | "stage"
  | "source"
  | "site_id"
  | "profile_id"
  | "email"
  | "phone"
  | "created_after"
  | "created_before"
  | "updated_after";

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

/** A custom-field filter found in the custom field index; `[exists]=false` is not (it is checked contact by contact). */
const foundInIndex = (filter: CustomFieldFilter) => filter.op !== "exists" || filter.exists;

/** The custom-field filters, each with its number (which names its slots). */
const customFiltersOf = (f: ContactFilters) => (f.custom_fields ?? []).map((filter, i) => ({ filter, i }));

/** How many selective filters a list has: a search, the tags (together), each custom-field filter found in its index. */
const selectiveKinds = (f: ContactFilters) =>
  (f.q !== undefined ? 1 : 0) + ((f.tags?.length ?? 0) > 0 ? 1 : 0) + (f.custom_fields ?? []).filter(foundInIndex).length;

export const isSelective = (f: ContactFilters) => selectiveKinds(f) > 0;

/** The filters as the statements' shape sees them: which are given, how many tags, each custom-field filter's form. */
export function filterShape(f: ContactFilters): string {
  const given = [
    ...(f.q !== undefined ? ["q"] : []),
    ...(f.tags?.length ? [`tags${f.tags.length}`] : []),
    ...columnFiltersOf(f),
    ...customFiltersOf(f).map(({ filter }) => `cf:${customFieldForm(filter)}`),
  ];
  return given.join(",");
}

/** A custom-field filter's form: its operator, and whether its value is also compared as a number. */
const customFieldForm = (filter: CustomFieldFilter) =>
  filter.op === "exists" ? `exists-${filter.exists}` : alsoNumeric(filter) ? `${filter.op}#` : filter.op;

/**
 * A search, tags or one custom-field filter, and nothing else: counted in its own index, and its
 * page found there.
 */
const selectiveAlone = (f: ContactFilters) =>
  selectiveKinds(f) === 1 && columnFiltersOf(f).length === 0 && (f.custom_fields ?? []).every(foundInIndex);

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
 * What a list does first: the plan of its first round trip, and whether that trip carries the
 * capped count (every filtered list) besides the page. Unfiltered lists and the shapes with a plan
 * of their own (`tagged`, `window`, several tags alone) get their page in that trip; any other
 * selective list counts first (`page: false`) and lets `planAfterCount` pick.
 */
export function firstStep(f: ContactFilters): { plan: ListPlan; page: boolean } {
  if (!isSelective(f)) return { plan: "natural", page: true };
  const byCreation = sortSpec(f.sort).column === contacts.createdAt;
  if (selectiveAlone(f) && f.q === undefined) return { plan: f.tags?.length === 1 && byCreation ? "tagged" : "sparse", page: true };
  if (selectiveAlone(f) && byCreation) return { plan: "window", page: true };
  return { plan: "sparse", page: false };
}

/**
 * The plan for a selective list once its count is known, or null when the first trip's page is the
 * answer: `tagged` always is; a full `window` page is exact whatever the count; a `sparse` page read
 * among the first matches is the answer when the count stayed under the cap.
 */
export function planAfterCount(
  first: { plan: ListPlan; page: boolean },
  counted: number,
  rowsFound: number,
  limit: number,
): ListPlan | null {
  if (first.plan === "tagged") return null;
  if (first.plan === "window" && rowsFound > limit) return null;
  if (first.plan === "sparse" && first.page && counted <= COUNT_CAP) return null;
  return counted <= COUNT_CAP ? "sparse" : "dense";
}

/**
 * The one plan of every page of a walk through all of a list's matches (an export), given the
 * capped count where the list counts (`walkCounts`): the plan a list's later pages would take.
 */
export function walkPlan(f: ContactFilters, counted: number): ListPlan {
  const first = firstStep(f);
  if (!walkCounts(f)) return first.plan;
  return counted <= COUNT_CAP ? "sparse" : "dense";
}

/** Whether a walk needs the capped count to choose its plan: every selective list but one tag by creation. */
export const walkCounts = (f: ContactFilters) => isSelective(f) && firstStep(f).plan !== "tagged";

/**
 * A list's values by slot name, worked out (and checked) before any statement is built: the
 * workspace, the search as an FTS5 query, each tag, each column filter's value as stored, each
 * custom-field filter's key and value (`contains` as a LIKE pattern), the cursor's keys.
 */
export function listValues(workspaceId: string, f: ContactFilters, page: PageRequest): Record<string, unknown> {
  const values: Record<string, unknown> = { workspace: workspaceId };
  if (f.q !== undefined) values.match = searchMatch(f.q);
  for (const [i, tag] of (f.tags ?? []).entries()) values[`tag${i}`] = tag;
  for (const name of columnFiltersOf(f)) {
    const { stored } = COLUMN_FILTERS[name];
    values[name] = stored ? stored(f[name]!) : f[name];
  }
  for (const { filter, i } of customFiltersOf(f)) Object.assign(values, customFieldValues(filter, i));
  for (const [i, key] of (page.after ?? []).entries()) values[`after${i}`] = key;
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
 * count stays under the cap, and costs little when it does not.
 */
export function filterConditions(f: ContactFilters, plan: ListPlan = "natural", firstMatches = false): SQL[] {
  const where: SQL[] = [eq(contacts.workspaceId, slot("workspace"))];
  const cap = firstMatches ? sql` LIMIT ${rowCount(COUNT_CAP + 1)}` : sql``;
  if (f.q !== undefined) {
    const matches = sql`(${searchMatches}${cap})`;
    where.push(plan === "dense" ? sql`+${contacts}.rowid IN ${matches}` : sql`${contacts}.rowid IN ${matches}`);
  }
  if (f.tags?.length) {
    if (plan === "dense") {
      for (const tag of tagSlots(f)) {
        where.push(
          sql`EXISTS (SELECT 1 FROM ${contactTags} WHERE ${contactTags.contactId} = ${contacts.id} AND ${contactTags.tag} = ${tag})`,
        );
      }
    } else {
      where.push(sql`${contacts.id} IN (${taggedWithAll(f)}${cap})`);
    }
  }
  for (const name of columnFiltersOf(f)) {
    const { test, column } = COLUMN_FILTERS[name];
    where.push(test(column, slot(name)));
  }
  for (const { filter, i } of customFiltersOf(f)) {
    if (!foundInIndex(filter)) where.push(sql`NOT ${customFieldOfRow(filter, i)}`);
    else if (plan === "dense") where.push(customFieldOfRow(filter, i));
    else where.push(sql`${contacts.id} IN (${customFieldMatches(filter, i)}${cap})`);
  }
  return where;
}

function taggedWithAll(f: ContactFilters) {
  const [first, ...others] = tagSlots(f);
  const inWorkspace = eq(contactTags.workspaceId, slot("workspace"));
  if (others.length === 0)
    return sql`SELECT ${contactTags.contactId} FROM ${contactTags} WHERE ${and(inWorkspace, eq(contactTags.tag, first!))}`;
  return sql`SELECT ${contactTags.contactId} FROM ${contactTags} WHERE ${and(inWorkspace, inArray(contactTags.tag, [first!, ...others]))} GROUP BY ${contactTags.contactId} HAVING count(*) = ${rowCount(others.length + 1)}`;
}

/** The shape a page's statements are kept under (see `Db.shaped`): plan, sort, page size and position, which filters. */
export function listShape(filters: ContactFilters, page: PageRequest, plan: ListPlan) {
  const filtersGiven = filterShape(filters);
  return {
    rows: `contacts.page:${plan}:${filters.sort ?? "-created_at"}:${page.limit}:${page.offset}:${page.after?.length ?? 0}:${filtersGiven}`,
    count: filtersGiven === "" ? null : `contacts.count:${filtersGiven}`,
  };
}

/**
 * The two statements behind a list page, over slots: the rows (each the contact's JSON, its id and
 * its sort key), and for a filtered list the capped count.
 */
export function listStatements(filters: ContactFilters, page: PageRequest, plan: ListPlan): ListStatements {
  const counted = filterConditions(filters);
  const matches = counted.length > 1 ? countedMatches(filters, counted) : null;
  const where = filterConditions(filters, plan, plan === "sparse" && selectiveAlone(filters));
  // Sparse: the matches are the only way in (every other index starts with the workspace).
  if (plan === "sparse") where[0] = inWorkspaceByMatches;
  const { descending, column } = sortSpec(filters.sort);
  const pageColumns = { contact: sql.raw(`${CONTACT_JSON} AS "json", "contacts"."id" AS "id", "contacts"."${column.name}" AS "sortKey"`) };
  const direction = descending ? desc : asc;
  // The sort as keys to compare (`+`: not by walking the sort index), for the few rows of a
  // filter's matches, and as the sort index's own order.
  const byKeys = [direction(sql`+${column}`), direction(sql`+${contacts.id}`)];
  const order = plan === "sparse" ? byKeys : [direction(column), direction(contacts.id)];
  const afterKeys = page.after?.map((_, i) => slot(`after${i}`));
  const after = (columns: (AnyColumn | SQL)[]) => (afterKeys ? keysetAfter(columns, afterKeys, descending) : undefined);
  const pageWhere = [...where, after([column, contacts.id])];
  /** The page's rows of `query`, and one more to tell whether another page follows. */
  const paged = <T extends SQLiteSelectQueryBuilder>(query: T) => query.limit(rowCount(page.limit + 1)).offset(rowCount(page.offset));
  const onePage = <T extends SQLiteSelectQueryBuilder>(query: T) => paged(query.where(and(...pageWhere)).orderBy(...order));
  // The page's contacts, found and sorted by their keys alone: whole rows are read and turned into
  // JSON for the page only, not for every candidate the sort looks at.
  const byRowid = (keys: SQLWrapper) =>
    qb
      .select(pageColumns)
      .from(contacts)
      .where(sql`${contacts}.rowid IN (${keys})`)
      .orderBy(...byKeys);
  let rows: Buildable;
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
        qb
          .select({ rowid: sql`${contacts}.rowid` })
          .from(contacts)
          .where(and(sql`${contacts}.rowid IN (${inRange})`, inWorkspaceByMatches, after([column, contacts.id]), withinEdge))
          .orderBy(...byKeys)
          .$dynamic(),
      ),
    );
  } else if (plan === "tagged") {
    // One tag, by creation: the tag index is in that order, so the page is its next entries.
    const tagWhere = [
      eq(contactTags.workspaceId, slot("workspace")),
      eq(contactTags.tag, slot("tag0")),
      eq(contacts.workspaceId, slot("workspace")),
    ];
    rows = paged(
      qb
        .select(pageColumns)
        .from(contactTags)
        .innerJoin(contacts, eq(contacts.id, contactTags.contactId))
        .where(and(...tagWhere, after([contactTags.createdAt, contactTags.contactId])))
        .orderBy(direction(contactTags.createdAt), direction(contactTags.contactId))
        .$dynamic(),
    );
  } else if (plan === "sparse") {
    rows = byRowid(
      onePage(
        qb
          .select({ rowid: sql`${contacts}.rowid` })
          .from(contacts)
          .$dynamic(),
      ),
    );
  } else {
    rows = onePage(qb.select(pageColumns).from(contacts).$dynamic());
  }
  return { rows, count: matches && qb.select({ n: count() }).from(sql`(${matches} LIMIT ${rowCount(COUNT_CAP + 1)}) AS capped`) };
}

/**
 * What a filtered list's capped count reads. A search alone is counted in the search index, tags
 * alone in the tag index, a custom-field filter alone in the custom field index. Other selective combinations are counted from their matches (the
 * workspace condition made unindexable with `+`, so SQLite looks the matches up instead of
 * walking the whole workspace to find the few there are).
 */
function countedMatches(filters: ContactFilters, where: SQL[]): SQL {
  if (selectiveAlone(filters)) {
    if (filters.q !== undefined) return searchMatches;
    if (filters.tags?.length) return taggedWithAll(filters);
    return customFieldMatches(filters.custom_fields![0]!, 0);
  }
  const [scope, ...rest] = where;
  const workspace = isSelective(filters) ? inWorkspaceByMatches : scope;
  return sql`SELECT 1 FROM ${contacts} WHERE ${and(workspace, ...rest)}`;
}

/** A list's statements as SQL text with this list's parameters filled in (what EXPLAIN reads, and the tests). */
export function builtListStatements(workspaceId: string, filters: ContactFilters, page: PageRequest, plan: ListPlan) {
  const values = listValues(workspaceId, filters, page);
  const { rows, count } = listStatements(filters, page, plan);
  const filled = (statement: Buildable) => {
    const built = statement.toSQL();
    return { sql: built.sql, params: fillPlaceholders(built.params, values) };
  };
  return { rows: filled(rows), count: count && filled(count) };
}
