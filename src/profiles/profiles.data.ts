import { and, eq, or, type SQL, sql } from "drizzle-orm";
import { findFirst, selectPage } from "../lib/db/pages";
import { causedBy, type Db, rowCount, UNIQUE_VIOLATION } from "../lib/db/runner";
import { ApiError, notFound } from "../lib/errors";
import { type Precondition, preconditionFailed } from "../lib/etag";
import { nowIso, uuidv7 } from "../lib/ids";
import type { PageRequest } from "../lib/pagination";
import { type Profile, profileHandles, profiles } from "./profiles.table";

export interface ProfileFields {
  handle?: string;
  name?: string;
  title?: string | null;
  company?: string | null;
  location?: string | null;
  photo_url?: string | null;
  email?: string | null;
  phone?: string | null;
  website?: string | null;
  bio?: string | null;
  public?: boolean;
  lead_capture?: "on" | "off";
}

export function toProfile(p: Profile) {
  return {
    id: p.id,
    handle: p.handle,
    name: p.name,
    title: p.title,
    company: p.company,
    location: p.location,
    photo_url: p.photoUrl,
    email: p.email,
    phone: p.phone,
    website: p.website,
    bio: p.bio,
    public: p.public,
    lead_capture: p.leadCapture,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function columnsFrom(input: ProfileFields) {
  const cols: Partial<Profile> = {};
  if (input.handle !== undefined) cols.handle = input.handle;
  if (input.name !== undefined) cols.name = input.name;
  if (input.title !== undefined) cols.title = input.title;
  if (input.company !== undefined) cols.company = input.company;
  if (input.location !== undefined) cols.location = input.location;
  if (input.photo_url !== undefined) cols.photoUrl = input.photo_url;
  if (input.email !== undefined) cols.email = input.email;
  if (input.phone !== undefined) cols.phone = input.phone;
  if (input.website !== undefined) cols.website = input.website;
  if (input.bio !== undefined) cols.bio = input.bio;
  if (input.public !== undefined) cols.public = input.public;
  if (input.lead_capture !== undefined) cols.leadCapture = input.lead_capture;
  return cols;
}

const handleTaken = () =>
  new ApiError("conflict", "This handle is already taken", { details: [{ field: "handle", message: "is already taken" }] });

export async function createProfile(db: Db, workspaceId: string, input: ProfileFields & { handle: string; name: string }) {
  const now = nowIso();
  const profile: Profile = {
    id: uuidv7(),
    workspaceId,
    title: null,
    company: null,
    location: null,
    photoUrl: null,
    email: null,
    phone: null,
    website: null,
    bio: null,
    public: true,
    leadCapture: "on",
    ...(columnsFrom(input) as { handle: string; name: string }),
    scansQrScan: 0,
    scansWeb: 0,
    scansMcp: 0,
    leads: 0,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await db.batch([
      db.orm.insert(profiles).values(profile),
      db.orm.insert(profileHandles).values({ handle: profile.handle, profileId: profile.id }),
    ]);
  } catch (error) {
    if (causedBy(error, UNIQUE_VIOLATION)) throw handleTaken();
    throw error;
  }
  return profile;
}

/** A profile the caller may read: its own, or anyone's public one. */
export async function findVisibleProfile(db: Db, workspaceId: string, id: string) {
  return findFirst(db, profiles, and(eq(profiles.id, id), or(eq(profiles.workspaceId, workspaceId), eq(profiles.public, true))));
}

export const findOwnProfile = (db: Db, workspaceId: string, id: string) =>
  findFirst(db, profiles, and(eq(profiles.id, id), eq(profiles.workspaceId, workspaceId)));

export async function requireOwnProfile(db: Db, workspaceId: string, id: string) {
  const profile = await findOwnProfile(db, workspaceId, id);
  if (!profile) throw notFound("Profile");
  return profile;
}

/** Resolves a current or former handle; `current` is false for a former one (which redirects). */
export async function findProfileByHandle(db: Db, handle: string) {
  const row = await db.first(
    db.orm
      .select({ profile: profiles })
      .from(profileHandles)
      .innerJoin(profiles, eq(profiles.id, profileHandles.profileId))
      .where(eq(profileHandles.handle, handle))
      .limit(rowCount(1)),
  );
  return row && { profile: row.profile, current: row.profile.handle === handle };
}

export const listProfiles = (db: Db, workspaceId: string, page: PageRequest) =>
  selectPage(db, profiles, eq(profiles.workspaceId, workspaceId), [profiles.createdAt, profiles.id], page);

/** Changes a profile; a new handle is reserved for it for good, and the old one keeps redirecting. */
export async function updateProfile(db: Db, workspaceId: string, id: string, input: ProfileFields, expect?: Precondition<Profile>) {
  const current = await requireOwnProfile(db, workspaceId, id);
  expect?.(current);
  const cols = { ...columnsFrom(input), updatedAt: nowIso() };
  // With If-Match, only if nobody changed it since it was read.
  const unchanged = expect ? eq(profiles.updatedAt, current.updatedAt) : undefined;
  const update = db.orm
    .update(profiles)
    .set(cols)
    .where(and(eq(profiles.id, id), eq(profiles.workspaceId, workspaceId), unchanged))
    .returning();
  if (input.handle === undefined || input.handle === current.handle) {
    const [row] = await db.all(update);
    if (!row) throw preconditionFailed();
    return row;
  }
  const owner = await findFirst(db, profileHandles, eq(profileHandles.handle, input.handle));
  if (owner && owner.profileId !== id) throw handleTaken();
  try {
    const [, [row]] = await db.batch([
      db.orm.insert(profileHandles).values({ handle: input.handle, profileId: id }).onConflictDoNothing(),
      update,
    ]);
    if (!row) throw preconditionFailed();
    return row;
  } catch (error) {
    if (causedBy(error, UNIQUE_VIOLATION)) throw handleTaken();
    throw error;
  }
}

/** Deletes the profile with its scans and handles (foreign-key cascade); false when there is none. */
export async function deleteProfile(db: Db, workspaceId: string, id: string, expect?: Precondition<Profile>): Promise<boolean> {
  let unchanged: SQL | undefined;
  if (expect) {
    const current = await requireOwnProfile(db, workspaceId, id);
    expect(current);
    unchanged = eq(profiles.updatedAt, current.updatedAt);
  }
  const rows = await db.all(
    db.orm
      .delete(profiles)
      .where(and(eq(profiles.id, id), eq(profiles.workspaceId, workspaceId), unchanged))
      .returning({ id: profiles.id }),
  );
  if (rows.length === 0 && expect) throw preconditionFailed();
  return rows.length > 0;
}

/** Scans per source over all of the workspace's profiles. */
export async function workspaceScanTotals(db: Db, workspaceId: string) {
  const row = await db.first(
    db.orm
      .select({
        qr_scan: sql<number>`coalesce(sum(${profiles.scansQrScan}), 0)`,
        web: sql<number>`coalesce(sum(${profiles.scansWeb}), 0)`,
        mcp: sql<number>`coalesce(sum(${profiles.scansMcp}), 0)`,
        leads: sql<number>`coalesce(sum(${profiles.leads}), 0)`,
      })
      .from(profiles)
      .where(eq(profiles.workspaceId, workspaceId)),
  );
  return row ?? { qr_scan: 0, web: 0, mcp: 0, leads: 0 };
}
