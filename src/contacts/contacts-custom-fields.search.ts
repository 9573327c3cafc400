import { and, eq, type SQL, sql } from "drizzle-orm";
import { slot } from "../lib/db/runner";
import type { CustomFieldFilter } from "./contacts.schemas";
import { contactCustomFields as cf, contacts } from "./contacts.table";

/**
 * The SQL of the contacts list's custom-field filters (`custom_fields.{key}[op]=value`), found in
 * the custom field index `contact_custom_fields`; contacts.search.ts decides where they go.
 * Filter number `i` names its slots: `cfk{i}` (the key), `cfv{i}` (text), `cfn{i}` (number).
 */

/** An equality (or inequality) whose value looks like a number, so it matches a number too. */
export const alsoNumeric = (filter: CustomFieldFilter) => (filter.op === "eq" || filter.op === "ne") && filter.number !== null;

/** `contains`: the text anywhere in the value, `%` and `_` in it taken literally. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function customFieldValues(filter: CustomFieldFilter, i: number): Record<string, unknown> {
  const values: Record<string, unknown> = { [`cfk${i}`]: filter.key };
  if (filter.op === "contains") values[`cfv${i}`] = likePattern(filter.text);
  else if ("text" in filter) values[`cfv${i}`] = filter.text;
  if ("number" in filter && filter.number !== null) values[`cfn${i}`] = filter.number;
  return values;
}

/** What a custom-field filter asks of the key's value in the index, over its slots (`exists`: nothing). */
function customFieldTest(filter: CustomFieldFilter, i: number): SQL | undefined {
  const text = slot(`cfv${i}`);
  const number = slot(`cfn${i}`);
  const numeric = alsoNumeric(filter);
  switch (filter.op) {
    case "eq":
      return numeric ? sql`(${cf.valueText} = ${text} OR ${cf.valueNum} = ${number})` : sql`${cf.valueText} = ${text}`;
    case "ne":
      return numeric ? sql`${cf.valueText} IS NOT ${text} AND ${cf.valueNum} IS NOT ${number}` : sql`${cf.valueText} IS NOT ${text}`;
    case "gt":
      return sql`${cf.valueNum} > ${number}`;
    case "lt":
      return sql`${cf.valueNum} < ${number}`;
    case "contains":
      return sql`${cf.valueText} LIKE ${text} ESCAPE '\\'`;
    case "exists":
      return undefined;
  }
}

/**
 * The workspace's contacts with this key's value as the filter asks, found in the custom field
 * index; an equality that is also numeric as two ranges, one of each index (SQLite would read
 * every value of the key for the OR).
 */
export function customFieldMatches(filter: CustomFieldFilter, i: number): SQL {
  const withValue = (test: SQL | undefined) =>
    sql`SELECT ${cf.contactId} FROM ${cf} WHERE ${and(eq(cf.workspaceId, slot("workspace")), eq(cf.key, slot(`cfk${i}`)), test)}`;
  if (filter.op === "eq" && alsoNumeric(filter))
    return sql`${withValue(sql`${cf.valueText} = ${slot(`cfv${i}`)}`)} UNION ALL ${withValue(sql`${cf.valueNum} = ${slot(`cfn${i}`)}`)}`;
  return withValue(customFieldTest(filter, i));
}

/** Whether the contact of the row at hand has this key's value as the filter asks (one primary-key lookup). */
export const customFieldOfRow = (filter: CustomFieldFilter, i: number) =>
  sql`EXISTS (SELECT 1 FROM ${cf} WHERE ${and(sql`${cf.contactId} = ${contacts.id}`, eq(cf.key, slot(`cfk${i}`)), customFieldTest(filter, i))})`;
