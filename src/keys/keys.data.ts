import { and, eq, isNull, lt, or } from "drizzle-orm";
import { randomBase62, sha256Hex } from "../lib/crypto";
import { selectPage } from "../lib/db/pages";
import { type Db, rowCount } from "../lib/db/runner";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import { workspaces } from "../workspaces/workspaces.table";
import type { Caller, Permission } from "./caller";
import { type ApiKey, apiKeys } from "./keys.table";

const KEY_RANDOM_CHARS = 40;
const PREFIX_CHARS = 12;

export interface NewApiKey {
  /** The full key: shown once, never stored. */
  key: string;
  row: ApiKey;
}

export async function newApiKeyRow(
  workspaceId: string,
  input: { name: string; permissions: Permission[] },
  now = nowIso(),
): Promise<NewApiKey> {
  const key = `cbx_${randomBase62(KEY_RANDOM_CHARS)}`;
  return {
    key,
    row: {
      id: uuidv7(),
      workspaceId,
      name: input.name,
      keyHash: await sha256Hex(key),
      prefix: key.slice(0, PREFIX_CHARS),
      permissions: [...new Set(input.permissions)],
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    },
  };
}

export async function createApiKey(db: Db, workspaceId: string, input: { name: string; permissions: Permission[] }) {
  const created = await newApiKeyRow(workspaceId, input);
  await db.run(db.orm.insert(apiKeys).values(created.row));
  return created;
}

/** The live key with this hash, and its workspace. */
export async function findCallerByKeyHash(db: Db, keyHash: string): Promise<{ caller: Caller; lastUsedAt: string | null } | undefined> {
  const row = await db.first(
    db.orm
      .select({ key: apiKeys, workspace: workspaces })
      .from(apiKeys)
      .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .limit(rowCount(1)),
  );
  if (!row) return undefined;
  const { id, name, prefix, permissions } = row.key;
  return { caller: { workspace: row.workspace, apiKey: { id, name, prefix, permissions } }, lastUsedAt: row.key.lastUsedAt };
}

export async function touchApiKey(db: Db, id: string, at: string) {
  await db.run(
    db.orm
      .update(apiKeys)
      .set({ lastUsedAt: at })
      .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, at)))),
  );
}

/** A page of the workspace's live keys, newest first, and how many there are. */
export const listApiKeys = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, apiKeys, and(eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)), [apiKeys.createdAt, apiKeys.id], page);

/** Revokes a live key of the workspace; false when there is none with that id. */
export async function revokeApiKey(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const rows = await db.all(
    db.orm
      .update(apiKeys)
      .set({ revokedAt: nowIso() })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, workspaceId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id }),
  );
  return rows.length > 0;
}
