import { fullName, splitName } from "../lib/names";
import { emailKey, phoneKey, WRITABLE_COLUMNS } from "./contacts.fields";
import type { ContactUpdateInput } from "./contacts.schemas";
import type { NewContactRow } from "./contacts.table";

/** How a request's fields become a contact's columns (all derived from `contacts.fields.ts`). */

export type WritableColumns = Partial<Pick<NewContactRow, (typeof WRITABLE_COLUMNS)[number]["property"]>>;

/** The values a create starts from, and a PUT resets omitted fields to. */
export const WRITABLE_DEFAULTS = Object.fromEntries(WRITABLE_COLUMNS.map((c) => [c.property, c.default])) as WritableColumns;

/** Columns a PATCH can set by SQL alone: none feeds a derived column (name, email, phone) or names a site. */
export const PLAIN_COLUMNS = new Set<string>(WRITABLE_COLUMNS.filter((c) => c.plain).map((c) => c.property));

/**
 * Maps validated input onto columns, only for the fields it carries. Three fields are read in
 * their own way: a `name` is split when neither name part is sent; a `location` object names the
 * site (the CRM's shape); the representation's `site` names it when nothing else does (a GET → PUT
 * round trip).
 */
export function columnsFrom(input: ContactUpdateInput & { name?: string }): WritableColumns {
  const fields = input as Record<string, unknown>;
  const cols: Record<string, unknown> = {};
  for (const { key, property } of WRITABLE_COLUMNS) {
    if (fields[key] !== undefined) cols[property] = fields[key];
  }
  if (input.name !== undefined && input.first_name === undefined && input.last_name === undefined)
    Object.assign(cols, splitName(input.name));
  if (input.location !== undefined && input.location !== null && typeof input.location === "object") {
    delete cols.location;
    cols.siteId ??= input.location.id;
  }
  if (input.site_id === undefined && !("siteId" in cols) && input.site !== undefined) cols.siteId = input.site?.id ?? null;
  return cols as WritableColumns;
}

/** The columns derived from others: lookup keys and the name sort key. */
export function withDerived<T extends Pick<NewContactRow, "firstName" | "lastName" | "email" | "phone">>(row: T) {
  return {
    ...row,
    sortName: (fullName(row.firstName ?? null, row.lastName ?? null) ?? "").toLowerCase(),
    emailKey: emailKey(row.email ?? null),
    phoneKey: phoneKey(row.phone ?? null),
  };
}
