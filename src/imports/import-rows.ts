import { CONTACT_ALIASES, WRITABLE } from "../contacts/contacts.fields";
import { type ContactCreateInput, ContactCreateSchema, ContactUpsertSchema } from "../contacts/contacts.schemas";
import { unneutralise } from "../lib/csv";
import type { FieldError } from "../lib/errors";
import { toValidationError } from "../lib/validation";
import { parseCard, splitValue, unescapeText, type VCardProperty } from "../lib/vcard-reader";
import type { ColumnTarget, ImportMode } from "./imports.table";

/**
 * What an import's rows become: a CSV header's columns matched to contact fields, a record or a
 * vCard turned into a contact's fields, and those fields checked by the API's own create or upsert
 * schema.
 */

/** A header as it is matched: lower case, letters and digits only ("E-mail Address" → "emailaddress"). */
const normalised = (header: string) =>
  header
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, "");

/** Fields a file can set: every writable field but the site (an id of another workspace's would name nothing here) and custom fields (`custom.{key}` columns). */
const IMPORTED_FIELDS = [...Object.keys(WRITABLE).filter((f) => f !== "site_id" && f !== "custom_fields"), "name"];

/** Headers other tools write (HubSpot, Google Contacts, Outlook, LinkedIn), by the field they mean. */
const OTHER_SPELLINGS: Record<string, string[]> = {
  first_name: ["First Name", "Given Name", "First"],
  last_name: ["Last Name", "Family Name", "Surname", "Last"],
  name: ["Full Name", "Display Name", "Contact Name"],
  email: ["E-mail", "Email Address", "E-mail Address", "E-mail 1 - Value", "Primary Email", "Work Email"],
  phone: [
    "Phone Number",
    "Mobile Phone",
    "Mobile Phone Number",
    "Mobile",
    "Mobile Number",
    "Cell Phone",
    "Telephone",
    "Tel",
    "Business Phone",
    "Work Phone",
    "Primary Phone",
    "Phone 1 - Value",
  ],
  job_title: ["Job Title", "Position"],
  company: ["Company Name", "Organization", "Organisation", "Organization Name", "Organization 1 - Name"],
  location: ["Address"],
  linkedin_url: ["LinkedIn", "LinkedIn URL", "LinkedIn Profile", "LinkedIn Profile URL"],
  photo_url: ["Photo", "Photo URL", "Avatar", "Avatar URL"],
  notes: ["Note", "Comments", "Description"],
  tags: ["Tag", "Labels", "Categories"],
};

/** Every accepted header, normalised, to its field: the API's names, their camelCase and aliases, and the spellings above. */
const FIELD_BY_HEADER = new Map<string, string>([
  ...IMPORTED_FIELDS.map((field) => [normalised(field), field] as const),
  ...Object.entries(CONTACT_ALIASES)
    .filter(([, field]) => IMPORTED_FIELDS.includes(field))
    .map(([alias, field]) => [normalised(alias), field] as const),
  ...Object.entries(OTHER_SPELLINGS).flatMap(([field, headers]) => headers.map((h) => [normalised(h), field] as const)),
]);

const CUSTOM_COLUMN = /^custom\.(.+)$/i;

/**
 * Where each column of a CSV header goes. A column no field takes — an unknown name, a second
 * column for a field already taken, the export's read-only columns — is ignored and named in
 * `ignored`, so the report says what was not imported.
 */
export function columnTargets(header: readonly string[]): { columns: ColumnTarget[]; ignored: string[] } {
  const taken = new Set<string>();
  const ignored: string[] = [];
  const columns = header.map((name, i): ColumnTarget => {
    const custom = CUSTOM_COLUMN.exec(name.trim())?.[1]?.trim();
    const target: ColumnTarget = custom
      ? { custom }
      : FIELD_BY_HEADER.has(normalised(name))
        ? { field: FIELD_BY_HEADER.get(normalised(name))! }
        : null;
    const takenAs = target && ("custom" in target ? `custom.${target.custom}` : target.field);
    if (takenAs === null || taken.has(takenAs)) {
      ignored.push(name.trim() || `column ${i + 1} (no name)`);
      return null;
    }
    taken.add(takenAs);
    return target;
  });
  return { columns, ignored };
}

/** Whether the header names any contact field (else the file is not a contacts CSV). */
export const namesAField = (columns: readonly ColumnTarget[]) => columns.some((c) => c !== null);

export type Fields = Record<string, unknown>;

/** A cell's tags: separated by `;`, as the export joins them. */
const tagsOf = (cell: string) =>
  cell
    .split(";")
    .map((t) => t.trim())
    .filter(Boolean);

/**
 * A CSV record's fields: each non-empty cell (trimmed, and an export's formula guard undone) under
 * its column's field; custom columns gathered into `custom_fields`. Null for a record with no
 * value in any cell; a record with more cells than the header has is a problem of its own.
 */
export function recordFields(record: readonly string[], columns: readonly ColumnTarget[]): Fields | null | FieldError {
  if (record.length > columns.length) return { field: "row", message: `has ${record.length} cells; the header has ${columns.length}` };
  if (record.every((cell) => cell.trim() === "")) return null;
  const fields: Fields = {};
  const custom: Record<string, string> = {};
  record.forEach((raw, i) => {
    const cell = unneutralise(raw.trim());
    const target = columns[i];
    if (!target || cell === "") return;
    if ("custom" in target) custom[target.custom] = cell;
    else fields[target.field] = target.field === "tags" ? tagsOf(cell) : cell;
  });
  if (Object.keys(custom).length > 0) fields.custom_fields = custom;
  return fields;
}

/** Properties that frame a card or repeat what the fields keep (FN is the name when N has none). */
const FRAMING = new Set(["VERSION", "FN", "N", "UID", "REV", "PRODID", "KIND"]);

const isPreferred = (p: VCardProperty) => p.params.PREF !== undefined || (p.params.TYPE ?? []).includes("pref");

/** The preferred one of a property's occurrences (vCard 4.0's PREF, 3.0's TYPE=pref), else the first. */
const preferred = (props: VCardProperty[]) => props.find(isPreferred) ?? props[0];

const isLinkedIn = (url: string) => /^https?:\/\/([^/]+\.)?linkedin\.com(\/|$)/i.test(url.trim());
const isHttpUrl = (value: string) => /^https?:\/\//i.test(value.trim());

/**
 * A vCard's fields: N (or else FN) for the name, the preferred EMAIL and TEL, ORG, TITLE, ADR as one
 * line, a LinkedIn URL, a PHOTO given by URL, NOTE, CATEGORIES as tags. What else the card holds
 * is named in `ignored` (a second EMAIL or TEL too). Null for a card without a value.
 */
export function cardFields(lines: readonly string[]): { fields: Fields | null; ignored: string[] } {
  const byName = new Map<string, VCardProperty[]>();
  for (const p of parseCard(lines)) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const fields: Fields = {};
  const ignored = new Set<string>();
  const one = (name: string) => {
    const all = byName.get(name) ?? [];
    if (all.length > 1) ignored.add(`${name} (all but one)`);
    return preferred(all);
  };
  const set = (field: string, value: string | undefined) => {
    if (value?.trim()) fields[field] = value.trim();
  };
  const [family, given] = splitValue(byName.get("N")?.[0]?.value ?? "", ";");
  set("first_name", given);
  set("last_name", family);
  if (!fields.first_name && !fields.last_name) set("name", unescapeText(byName.get("FN")?.[0]?.value ?? ""));
  set("email", unescapeText(one("EMAIL")?.value ?? ""));
  set("phone", unescapeText(one("TEL")?.value ?? "").replace(/^tel:/i, ""));
  set("company", splitValue(one("ORG")?.value ?? "", ";")[0]);
  set("job_title", unescapeText(one("TITLE")?.value ?? ""));
  set(
    "location",
    splitValue(one("ADR")?.value ?? "", ";")
      .filter((part) => part.trim() !== "")
      .join(", "),
  );
  set("notes", unescapeText(one("NOTE")?.value ?? ""));
  const tags = (byName.get("CATEGORIES") ?? []).flatMap((p) =>
    splitValue(p.value, ",")
      .map((t) => t.trim())
      .filter(Boolean),
  );
  if (tags.length > 0) fields.tags = tags;
  const urls = [...(byName.get("URL") ?? []), ...(byName.get("X-SOCIALPROFILE") ?? [])].map((p) => unescapeText(p.value));
  set("linkedin_url", urls.find(isLinkedIn));
  if (urls.some((url) => !isLinkedIn(url)) || urls.filter(isLinkedIn).length > 1) ignored.add("URL");
  const photo = byName.get("PHOTO")?.[0]?.value;
  if (photo !== undefined && isHttpUrl(photo)) set("photo_url", photo);
  else if (photo !== undefined) ignored.add("PHOTO (not a URL)");
  const used = new Set([...FRAMING, "EMAIL", "TEL", "ORG", "TITLE", "ADR", "NOTE", "CATEGORIES", "URL", "X-SOCIALPROFILE", "PHOTO"]);
  for (const name of byName.keys()) if (!used.has(name)) ignored.add(name);
  return { fields: Object.keys(fields).length > 0 ? fields : null, ignored: [...ignored] };
}

/** A row checked as the API checks a create (or an upsert) body: its input, or each problem. */
export type CheckedRow = { input: ContactCreateInput } | { problems: FieldError[] };

/**
 * Checks a row's fields with the schema of `POST /v1/contacts` (create) or `/contacts/upsert`
 * (upsert), after adding the import's tags to a row that names tags (or to any row, when creating;
 * an upsert match without tags gains them in `upsertContact`).
 */
export function checkRow(fields: Fields, mode: ImportMode, importTags: readonly string[]): CheckedRow {
  const withTags =
    importTags.length > 0 && (mode === "create" || fields.tags !== undefined)
      ? { ...fields, tags: [...((fields.tags as string[] | undefined) ?? []), ...importTags] }
      : fields;
  const parsed = (mode === "create" ? ContactCreateSchema : ContactUpsertSchema).safeParse(withTags);
  if (parsed.success) return { input: parsed.data };
  return { problems: toValidationError(parsed.error).options.details ?? [] };
}
