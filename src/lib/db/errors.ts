/** Whether a D1 error (or anything in its `cause` chain, as drizzle wraps them) mentions `needle`. */
export function causedBy(error: unknown, needle: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(needle)) return true;
  }
  return false;
}

export const UNIQUE_VIOLATION = "UNIQUE constraint failed";
