/** "Ada" + "Lovelace" → "Ada Lovelace"; null when neither part is there. */
export const fullName = (first: string | null, last: string | null) =>
  [first, last].filter((part) => part !== null && part !== "").join(" ") || null;

/** Splits "Ada King Lovelace" at the last space: first "Ada King", last "Lovelace". */
export function splitName(name: string): { firstName: string; lastName: string | null } {
  const trimmed = name.trim();
  const at = trimmed.lastIndexOf(" ");
  if (at <= 0) return { firstName: trimmed, lastName: null };
  return { firstName: trimmed.slice(0, at).trim(), lastName: trimmed.slice(at + 1) };
}
