import type { AppRouteHandler } from "../keys/app-env";
import { currentWorkspace } from "../keys/auth";
import { ApiError, notFound, validationError } from "../lib/errors";
import { ifMatch, jsonText, jsonTextWithEtag } from "../lib/etag";
import { pageJson, pageOf, readListQuery } from "../lib/pagination";
import { errorBody } from "../lib/render-error";
import { contactLimits } from "../workspaces/plans";
import {
  addTags as addContactTags,
  createContact,
  deleteContact,
  getContactJson,
  parseContact,
  patchContact,
  patchPlainFields,
  removeTags as removeContactTags,
  replaceContact,
} from "./contacts.data";
import type { Contact } from "./contacts.fields";
import type * as routes from "./contacts.routes";
import { DeletedQuery, TagsQuery } from "./contacts.routes";
import { ContactCreateSchema, DuplicatesQuery, ListContactsQuery } from "./contacts.schemas";
import { contactVCard } from "./contacts-export";
import { deletedSince, listContacts, tagCounts } from "./contacts-lists.data";
import { upsertContact } from "./contacts-match.data";
import { duplicatesPage, mergeContacts, mergedInto } from "./contacts-merge.data";

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { query, page } = readListQuery(c.req.query(), ListContactsQuery, "contacts");
  // An unfiltered list's total is the workspace's contact count, which the request's first round
  // trip reads anyway (the key's proof, or the key lookup).
  const contactCount = async () => (await currentWorkspace(c)).contactCount;
  const result = await listContacts(c.var.db, c.var.caller.workspace.id, query, page, contactCount);
  const body = pageOf(result.rows, page, {
    keyOf: (r) => [r.sortKey, r.id],
    toItem: (r) => r.json,
    total: result.total,
    totalExact: result.totalExact,
  });
  return jsonText<ReturnType<typeof pageOf<unknown, Contact>>, 200>(c, pageJson(body), 200);
};

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const json = await createContact(c.var.db, c.var.caller.workspace.id, c.req.valid("json"));
  return jsonTextWithEtag<Contact, 201>(c, json, 201);
};

export const upsert: AppRouteHandler<typeof routes.upsert> = async (c) => {
  const { created, json } = await upsertContact(c.var.db, c.var.caller.workspace.id, c.req.valid("json"));
  return created ? jsonTextWithEtag<Contact, 201>(c, json, 201) : jsonTextWithEtag<Contact, 200>(c, json, 200);
};

export const batch: AppRouteHandler<typeof routes.batch> = async (c) => {
  const workspaceId = c.var.caller.workspace.id;
  const results: { status: number; contact?: Contact; error?: Record<string, unknown> }[] = [];
  // One item at a time, in order: each item gets exactly the answer it would get alone.
  for (const item of c.req.valid("json").contacts) {
    try {
      const parsed = ContactCreateSchema.safeParse(item);
      if (!parsed.success) throw parsed.error;
      results.push({ status: 201, contact: parseContact(await createContact(c.var.db, workspaceId, parsed.data)) });
    } catch (error) {
      const { status, body } = errorBody(error, c.var.requestId);
      results.push({ status, error: body });
    }
  }
  return c.json({ results } as never, 207);
};

export const deleted: AppRouteHandler<typeof routes.deleted> = async (c) => {
  const { query, page } = readListQuery(c.req.query(), DeletedQuery, "contacts/deleted");
  const { rows, total } = await deletedSince(c.var.db, c.var.caller.workspace.id, query.since, page);
  return c.json(
    pageOf(rows, page, {
      keyOf: (r) => [r.deletedAt, r.contactId],
      toItem: (r) => ({ id: r.contactId, deleted_at: r.deletedAt, merged_into: r.mergedInto }),
      total,
    }),
    200,
  );
};

export const duplicates: AppRouteHandler<typeof routes.duplicates> = async (c) => {
  const { page } = readListQuery(c.req.query(), DuplicatesQuery, "contacts/duplicates");
  return c.json(await duplicatesPage(c.var.db, c.var.caller.workspace.id, page), 200);
};

export const limits: AppRouteHandler<typeof routes.limits> = async (c) => c.json(contactLimits(await currentWorkspace(c)), 200);

/** The contact, or 404; a merged contact's 404 names the contact it was merged into, so a syncing client can follow. */
async function requireContactJson(c: Parameters<AppRouteHandler<typeof routes.get>>[0], id: string) {
  const workspaceId = c.var.caller.workspace.id;
  const json = await getContactJson(c.var.db, workspaceId, id);
  if (json !== undefined) return json;
  const into = await mergedInto(c.var.db, workspaceId, id);
  throw into
    ? new ApiError("not_found", "Contact not found: it was merged into another", { extra: { merged_into: into } })
    : notFound("Contact");
}

export const get: AppRouteHandler<typeof routes.get> = async (c) =>
  jsonTextWithEtag<Contact>(c, await requireContactJson(c, c.req.valid("param").id), 200);

/** An `id` in a PUT/PATCH body is read-only: accepted when it names this contact, refused otherwise. */
function assertBodyId(bodyId: string | undefined, pathId: string) {
  if (bodyId !== undefined && bodyId !== pathId) throw validationError([{ field: "id", message: "must equal the id in the path" }]);
}

export const replace: AppRouteHandler<typeof routes.replace> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  assertBodyId(body.id, id);
  return jsonTextWithEtag<Contact>(c, await replaceContact(c.var.db, c.var.caller.workspace.id, id, body, ifMatch(c)), 200);
};

export const patch: AppRouteHandler<typeof routes.patch> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  assertBodyId(body.id, id);
  const expect = ifMatch(c);
  const workspaceId = c.var.caller.workspace.id;
  const json =
    (expect ? undefined : await patchPlainFields(c.var.db, workspaceId, id, body)) ??
    (await patchContact(c.var.db, workspaceId, id, body, expect));
  return jsonTextWithEtag<Contact>(c, json, 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { id } = c.req.valid("param");
  await deleteContact(c.var.db, c.var.caller.workspace.id, id, ifMatch(c));
  return c.json({ success: true as const, id }, 200);
};

export const addTags: AppRouteHandler<typeof routes.addTags> = async (c) => {
  const { id } = c.req.valid("param");
  return c.json({ id, tags: await addContactTags(c.var.db, c.var.caller.workspace.id, id, c.req.valid("json").tags) }, 200);
};

export const removeTags: AppRouteHandler<typeof routes.removeTags> = async (c) => {
  const { id } = c.req.valid("param");
  return c.json({ id, tags: await removeContactTags(c.var.db, c.var.caller.workspace.id, id, c.req.valid("json").tags) }, 200);
};

export const merge: AppRouteHandler<typeof routes.merge> = async (c) => {
  const json = await mergeContacts(c.var.db, c.var.caller.workspace.id, c.req.valid("param").id, c.req.valid("json").from);
  return jsonTextWithEtag<Contact>(c, json, 200);
};

export const vcard: AppRouteHandler<typeof routes.vcard> = async (c) => {
  const contact = parseContact(await requireContactJson(c, c.req.valid("param").id));
  const filename = (contact.name ?? "contact").replace(/[^\p{L}\p{N} _-]/gu, "").trim() || "contact";
  return c.body(contactVCard(contact), 200, {
    "Content-Type": "text/vcard; charset=utf-8",
    "Content-Disposition": `attachment; filename="${filename.replace(/[^\x20-\x7e]/g, "_")}.vcf"; filename*=UTF-8''${encodeURIComponent(filename)}.vcf`,
  });
};

export const listTags: AppRouteHandler<typeof routes.listTags> = async (c) => {
  const { page } = readListQuery(c.req.query(), TagsQuery, "tags");
  const { rows, total } = await tagCounts(c.var.db, c.var.caller.workspace.id, page);
  return c.json(pageOf(rows, page, { keyOf: (r) => [r.count, r.tag], toItem: (r) => r, total }), 200);
};
