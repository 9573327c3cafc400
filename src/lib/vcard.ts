/** A vCard 3.0 (RFC 2426) writer: escaping, and line folding at 75 octets. */

export interface VCardInput {
  firstName: string | null;
  lastName: string | null;
  fullName: string | null;
  organization?: string | null;
  title?: string | null;
  email?: string | null;
  phone?: string | null;
  urls?: (string | null | undefined)[];
  photoUrl?: string | null;
  note?: string | null;
  address?: string | null;
  categories?: string[];
  uid?: string;
  revision?: string;
}

/** Escapes a text value; `;` only where it would split a structured value (N, ORG, ADR). */
const escapeText = (value: string, structured = false) => {
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/\r\n|\r|\n/g, "\\n")
    .replace(/,/g, "\\,");
  return structured ? escaped.replace(/;/g, "\\;") : escaped;
};

const encoder = new TextEncoder();

/** Folds a content line so no physical line exceeds 75 octets, never splitting a UTF-8 character. */
function fold(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
      limit = 74; // continuation lines start with a space
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

export function toVCard(card: VCardInput): string {
  const lines = ["BEGIN:VCARD", "VERSION:3.0"];
  const add = (name: string, value: string | null | undefined, raw = false) => {
    if (value !== null && value !== undefined && value !== "") lines.push(`${name}:${raw ? value : escapeText(value)}`);
  };
  lines.push(`N:${escapeText(card.lastName ?? "", true)};${escapeText(card.firstName ?? "", true)};;;`);
  lines.push(`FN:${escapeText(card.fullName ?? card.email ?? "")}`);
  add("ORG", card.organization && escapeText(card.organization, true), true);
  add("TITLE", card.title);
  add("EMAIL;TYPE=INTERNET", card.email);
  add("TEL;TYPE=VOICE", card.phone);
  add("ADR;TYPE=WORK", card.address ? `;;;${escapeText(card.address, true)};;;` : null, true);
  for (const url of card.urls ?? []) add("URL", url, true);
  add("PHOTO;VALUE=URI", card.photoUrl, true);
  add("NOTE", card.note);
  if (card.categories?.length) lines.push(`CATEGORIES:${card.categories.map((c) => escapeText(c)).join(",")}`);
  add("UID", card.uid);
  add("REV", card.revision, true);
  lines.push("END:VCARD");
  return `${lines.map(fold).join("\r\n")}\r\n`;
}
