import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { z } from "zod";
import { addTags, createContact, getContactJson, parseContact, patchContact, removeTags } from "../contacts/contacts.data";
import { ContactSchema, SOURCES, stage, tagList, WRITABLE } from "../contacts/contacts.fields";
import {
  ContactCreateSchema,
  ContactLimitsSchema,
  ContactListSchema,
  ContactPatchSchema,
  ContactTagsSchema,
  CUSTOM_FIELD_OPERATORS,
  DuplicateGroupListSchema,
  DuplicatesQuery,
  ListContactsQuery,
  MAX_CUSTOM_FIELD_FILTERS,
  MAX_MERGE,
  MergeSchema,
  SORTS,
} from "../contacts/contacts.schemas";
import { listContacts } from "../contacts/contacts-lists.data";
import { duplicatesPage, mergeContacts } from "../contacts/contacts-merge.data";
import type { Caller, Permission } from "../keys/caller";
import type { Db } from "../lib/db/runner";
import { ApiError, notFound } from "../lib/errors";
import { pageOf, readListQuery } from "../lib/pagination";
import { toApiError } from "../lib/render-error";
import { findProfileByHandle, findVisibleProfile, toProfile } from "../profiles/profiles.data";
import { ProfileSchema } from "../profiles/profiles.routes";
import { listScans, toScan } from "../scans/scans.data";
import { ScanListSchema, ScansQuery } from "../scans/scans.routes";
import { SCAN_SOURCES } from "../scans/scans.table";
import { contactLimits } from "../workspaces/plans";
import type { Workspace } from "../workspaces/workspaces.table";

export interface McpContext {
  db: Db;
  caller: Caller;
  /** The caller's workspace as it is now (see `currentWorkspace`). */
  workspace: () => Promise<Workspace>;
}

/** A tool that only reads (MCP tool annotations); no tool reaches beyond the caller's Cardbox. */
const READS: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/**
 * A tool that writes: `destructive` when it may overwrite or remove what is there (not only add),
 * `idempotent` when a repeat with the same arguments leaves the workspace as one call did.
 */
const writes = ({ destructive, idempotent }: { destructive: boolean; idempotent: boolean }): ToolAnnotations => ({
  readOnlyHint: false,
  destructiveHint: destructive,
  idempotentHint: idempotent,
  openWorldHint: false,
});

/** The HTTP API's answer as tool output: JSON text, and the same object as structured content. */
const ok = (body: object): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(body) }],
  structuredContent: body as Record<string, unknown>,
});

/** A refusal carries the HTTP API's own message (and its code) as a tool error, without structured content. */
function refusal(error: unknown): CallToolResult {
  const apiError = toApiError(error);
  return {
    isError: true,
    content: [
      {
        type: "text",
        text: JSON.stringify({
          error: apiError.message,
          code: apiError.code,
          ...(apiError.options.details ? { details: apiError.options.details } : {}),
        }),
      },
    ],
  };
}

function requirePermission(caller: Caller, permission: Permission) {
  if (!caller.apiKey.permissions.includes(permission)) throw new ApiError("forbidden", `${permission} permission required`);
}

/** A contact's writable fields as tool arguments: the HTTP API's own validators, all optional. */
const contactFields = {
  ...Object.fromEntries(Object.entries(WRITABLE).map(([key, schema]) => [key, schema.optional()])),
  name: z.string().optional().describe("Full name; split at the last space into first and last name. Give this or first_name."),
} as { [K in keyof typeof WRITABLE]: z.ZodOptional<(typeof WRITABLE)[K]> } & { name: z.ZodOptional<z.ZodString> };

const dropUndefined = (args: Record<string, unknown>) => Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));

/** Tool arguments as the query string the mirrored HTTP list route would get (lists comma-joined). */
const asQuery = (args: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(dropUndefined(args)).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]));

/** Custom-field filters as the list route's `custom_fields.{key}[op]` parameters. */
const customFieldParams = (filters: { key: string; op?: string; value: string | number | boolean }[]) =>
  Object.fromEntries(filters.map(({ key, op, value }) => [`custom_fields.${key}[${op ?? "eq"}]`, String(value)]));

/**
 * Cardbox as MCP tools. Each tool checks the permission of the HTTP route it mirrors, validates
 * with that route's schema and calls the same data functions, so no rule exists twice.
 */
export function createMcpServer({ db, caller, workspace }: McpContext) {
  const server = new McpServer({ name: "cardbox", version: "1.0.0" }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const workspaceId = caller.workspace.id;
  /**
   * Registers a tool whose output schema is the mirrored route's response schema (its raw shape, as
   * the SDK takes it): the SDK checks every result against it, and `run` must answer its type.
   */
  const tool = <I extends z.ZodRawShape, O extends z.ZodRawShape>(
    name: string,
    spec: { title: string; description: string; permission: Permission; annotations: ToolAnnotations; input: I; output: O },
    run: (args: z.output<z.ZodObject<I>>) => Promise<z.input<z.ZodObject<O>>>,
  ) =>
    server.registerTool(
      name,
      {
        title: spec.title,
        description: spec.description,
        inputSchema: spec.input,
        outputSchema: spec.output,
        annotations: { title: spec.title, ...spec.annotations },
      },
      (async (args: z.output<z.ZodObject<I>>) => {
        try {
          requirePermission(caller, spec.permission);
          return ok(await run(args));
        } catch (error) {
          return refusal(error);
        }
      }) as never,
    );

  tool(
    "search_contacts",
    {
      title: "Search contacts",
      description:
        "Find contacts in the workspace. `q` is a full-text prefix search over name, email, phone, company, job title and notes; filters combine with AND. Returns {data, pagination}; pass pagination.next_cursor as `cursor` for the next page.",
      permission: "contacts:read",
      annotations: READS,
      input: {
        q: z.string().optional(),
        tags: z.array(z.string()).optional().describe("The contact must carry all of these tags."),
        stage: stage.optional(),
        source: z.enum(SOURCES).optional().describe("How the contact was captured."),
        site_id: z.string().optional(),
        email: z.string().optional(),
        phone: z.string().optional(),
        custom_fields: z
          .array(
            z.object({
              key: z.string(),
              op: z.enum(CUSTOM_FIELD_OPERATORS).optional().describe("How the value compares; eq when not given."),
              value: z.union([z.string(), z.number(), z.boolean()]),
            }),
          )
          .max(MAX_CUSTOM_FIELD_FILTERS)
          .optional()
          .describe(
            "Custom-field filters, all required: eq/ne a value (text, or a number), gt/lt a number, contains some text (case-insensitive), exists true or false.",
          ),
        sort: z.enum(SORTS).optional(),
        limit: z.number().int().min(1).max(100).optional(),
        cursor: z.string().optional(),
      },
      output: ContactListSchema.shape,
    },
    async ({ custom_fields, ...args }) => {
      const { query, page } = readListQuery(
        { ...asQuery({ ...args, tags: args.tags?.length ? args.tags : undefined }), ...customFieldParams(custom_fields ?? []) },
        ListContactsQuery,
        "contacts",
      );
      const result = await listContacts(db, workspaceId, query, page);
      return pageOf(result.rows, page, {
        keyOf: (r) => [r.sortKey, r.id],
        toItem: (r) => parseContact(r.json),
        total: result.total,
        totalExact: result.totalExact,
      });
    },
  );

  tool(
    "get_contact",
    {
      title: "Get a contact",
      description: "Get one contact by its id.",
      permission: "contacts:read",
      annotations: READS,
      input: { id: z.string() },
      output: ContactSchema.shape,
    },
    async ({ id }) => {
      const json = await getContactJson(db, workspaceId, id.toLowerCase());
      if (json === undefined) throw notFound("Contact");
      return parseContact(json);
    },
  );

  tool(
    "create_contact",
    {
      title: "Create a contact",
      description: "Create a contact (its source is recorded as `mcp`). Give first_name (or name) and whatever else is known.",
      permission: "contacts:write",
      annotations: writes({ destructive: false, idempotent: false }),
      input: contactFields,
      output: ContactSchema.shape,
    },
    async (args) => parseContact(await createContact(db, workspaceId, ContactCreateSchema.parse(dropUndefined(args)), { source: "mcp" })),
  );

  tool(
    "update_contact",
    {
      title: "Update a contact",
      description: "Change some fields of a contact; fields not given stay as they are, null clears one.",
      permission: "contacts:write",
      annotations: writes({ destructive: true, idempotent: true }),
      input: { id: z.string(), ...contactFields },
      output: ContactSchema.shape,
    },
    async ({ id, ...fields }) => {
      if ((await getContactJson(db, workspaceId, id.toLowerCase())) === undefined) throw notFound("Contact");
      return parseContact(await patchContact(db, workspaceId, id.toLowerCase(), ContactPatchSchema.parse(dropUndefined(fields))));
    },
  );

  const tagChange = { id: z.string(), tags: z.array(z.string()).min(1) };

  tool(
    "add_tags",
    {
      title: "Add tags to a contact",
      description: "Add tags to a contact. Returns {id, tags}.",
      permission: "contacts:write",
      annotations: writes({ destructive: false, idempotent: true }),
      input: tagChange,
      output: ContactTagsSchema.shape,
    },
    async ({ id, tags }) => ({ id: id.toLowerCase(), tags: await addTags(db, workspaceId, id.toLowerCase(), tagList.parse(tags)) }),
  );

  tool(
    "remove_tags",
    {
      title: "Remove tags from a contact",
      description: "Remove tags from a contact. Returns {id, tags}.",
      permission: "contacts:write",
      annotations: writes({ destructive: true, idempotent: true }),
      input: tagChange,
      output: ContactTagsSchema.shape,
    },
    async ({ id, tags }) => ({ id: id.toLowerCase(), tags: await removeTags(db, workspaceId, id.toLowerCase(), tagList.parse(tags)) }),
  );

  tool(
    "find_duplicates",
    {
      title: "Find duplicate contacts",
      description:
        "Groups of contacts with the same name and company (any case), each with its count and oldest contacts (at most 11). Returns {data: [{reason, count, contacts}], pagination}; pass pagination.next_cursor as `cursor` for the next page. Merge a group with merge_contacts.",
      permission: "contacts:read",
      annotations: READS,
      input: { limit: z.number().int().min(1).max(100).optional(), cursor: z.string().optional() },
      output: DuplicateGroupListSchema.shape,
    },
    async (args) => {
      const { page } = readListQuery(asQuery(args), DuplicatesQuery, "contacts/duplicates");
      return await duplicatesPage(db, workspaceId, page);
    },
  );

  tool(
    "merge_contacts",
    {
      title: "Merge contacts",
      description: `Merge 1 to ${MAX_MERGE} contacts (\`from\`) into the contact \`id\`: its empty fields are filled from theirs (its own values win), tags and custom fields united, notes joined; the merged contacts are deleted. Returns the merged contact.`,
      permission: "contacts:write",
      annotations: writes({ destructive: true, idempotent: false }),
      input: { id: z.string(), from: z.array(z.string()).min(1).max(MAX_MERGE) },
      output: ContactSchema.shape,
    },
    async ({ id, from }) => parseContact(await mergeContacts(db, workspaceId, id.toLowerCase(), MergeSchema.parse({ from }).from)),
  );

  const profileRef = {
    handle: z.string().optional().describe("The card's handle, as in /p/{handle}."),
    profile_id: z.string().optional(),
  };
  const resolveProfile = async ({ handle, profile_id }: { handle?: string; profile_id?: string }) => {
    if (profile_id) {
      const profile = await findVisibleProfile(db, workspaceId, profile_id.toLowerCase());
      if (profile) return profile;
    } else if (handle) {
      const found = await findProfileByHandle(db, handle.trim().toLowerCase());
      if (found && (found.profile.public || found.profile.workspaceId === workspaceId)) return found.profile;
    } else {
      throw new ApiError("validation_failed", "handle or profile_id is required", {
        details: [{ field: "handle", message: "or profile_id is required" }],
      });
    }
    throw notFound("Profile");
  };

  tool(
    "save_profile",
    {
      title: "Save a business card as a contact",
      description: "Save someone's public business card (by handle or profile id) as a contact, with source `mcp`.",
      permission: "contacts:write",
      // A card is saved once: a repeat is refused as a duplicate.
      annotations: writes({ destructive: false, idempotent: true }),
      input: profileRef,
      output: ContactSchema.shape,
    },
    async (ref) => {
      const profile = await resolveProfile(ref);
      return parseContact(await createContact(db, workspaceId, ContactCreateSchema.parse({ profile_id: profile.id, source: "mcp" })));
    },
  );

  tool(
    "get_profile",
    {
      title: "Read a business card",
      description: "Read a public business card (by handle or profile id).",
      permission: "contacts:read",
      annotations: READS,
      input: profileRef,
      output: ProfileSchema.shape,
    },
    async (ref) => toProfile(await resolveProfile(ref)),
  );

  tool(
    "recent_scans",
    {
      title: "Recent scans",
      description: "Recent scans of the workspace's own cards, newest first.",
      permission: "contacts:read",
      annotations: READS,
      input: {
        limit: z.number().int().min(1).max(100).optional(),
        profile_id: z.string().optional(),
        source: z.enum(SCAN_SOURCES).optional(),
      },
      output: ScanListSchema.shape,
    },
    async (args) => {
      const { query, page } = readListQuery(asQuery(args), ScansQuery, "contacts/scans");
      const { rows, total, totalExact } = await listScans(db, workspaceId, query, page);
      return pageOf(rows, page, { keyOf: (s) => [s.scannedAt, s.id], toItem: toScan, total, totalExact });
    },
  );

  tool(
    "contact_limits",
    {
      title: "Contact limit",
      description: "The plan's contact limit: {plan, limit, used, remaining} (null when unlimited).",
      permission: "contacts:read",
      annotations: READS,
      input: {},
      output: ContactLimitsSchema.shape,
    },
    async () => contactLimits(await workspace()),
  );

  return server;
}

/** Answers one Streamable HTTP request statelessly: a fresh server and transport per request. */
export async function handleMcpRequest(request: Request, context: McpContext): Promise<Response> {
  const server = createMcpServer(context);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  return transport.handleRequest(request);
}
