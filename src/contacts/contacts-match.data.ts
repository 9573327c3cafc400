import { and, eq, type SQL } from "drizzle-orm";
import { type Db, rowCount } from "../lib/db/runner";
import { validationError } from "../lib/errors";
import { columnsFrom } from "./contacts.columns";
import { type ContactJson, type CreateDefaults, createContact, duplicate, patchContact, updateWith, withTags } from "./contacts.data";
import { emailKey, phoneKey } from "./contacts.fields";
import type { ContactCreateInput } from "./contacts.schemas";
import { type ContactRow, contacts } from "./contacts.table";

/** Finding a contact by what identifies a person (email, then phone), and the upsert built on it. */

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
  const addedTags = input.tags === undefined ? (defaults.addTags ?? []) : [];
  if (!match) {
    if (input.first_name === undefined && input.name === undefined && input.profile_id === undefined) {
      throw validationError([{ field: "first_name", message: "is required" }]);
    }
    const created = addedTags.length > 0 ? { ...input, tags: addedTags } : input;
    return { created: true, json: await createContact(db, workspaceId, created, defaults) };
  }
  const { id: _id, source: _source, profile_id: _profile, ...fields } = input;
  if (addedTags.length === 0) return { created: false, json: await patchContact(db, workspaceId, match, fields) };
  const change = (current: ContactRow) => ({ ...columnsFrom(fields), tags: withTags(current.tags, addedTags) });
  return { created: false, json: (await updateWith(db, workspaceId, match, change)).json };
}

export async function findIdBy(db: Db, workspaceId: string, where: SQL) {
  const row = await db.first(
    db.orm
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.workspaceId, workspaceId), where))
      .limit(rowCount(1)),
  );
  return row?.id;
}
