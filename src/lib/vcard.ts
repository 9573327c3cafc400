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
    .replace(/(?![\t\n\r])\p{Cc}/gu, "")
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

/** A URI value: anything that could end a line or a property is percent-encoded (URIs are validated before they are stored; this is the second line of defence). */
const escapeUri = (value: string) => value.replace(/[\p{Cc} ]/gu, (ch) => encodeURIComponent(ch));

/** Every property is escaped by its value type and folded: nothing a client stored can start a line of its own. */
export function toVCard(card: VCardInput): string {
  const lines = ["BEGIN:VCARD", "VERSION:3.0"];
  const text = (name: string, value: string | null | undefined) => {
    if (value) lines.push(`${name}:${escapeText(value)}`);
  };
  const uri = (name: string, value: string | null | undefined) => {
    if (value) lines.push(`${name}:${escapeUri(value)}`);
  };
  lines.push(`N:${escapeText(card.lastName ?? "", true)};${escapeText(card.firstName ?? "", true)};;;`);
  lines.push(`FN:${escapeText(card.fullName ?? card.email ?? "")}`);
  if (card.organization) lines.push(`ORG:${escapeText(card.organization, true)}`);
  text("TITLE", card.title);
  text("EMAIL;TYPE=INTERNET", card.email);
  text("TEL;TYPE=VOICE", card.phone);
  if (card.address) lines.push(`ADR;TYPE=WORK:;;;${escapeText(card.address, true)};;;`);
  for (const url of card.urls ?? []) uri("URL", url);
  uri("PHOTO;VALUE=URI", card.photoUrl);
  text("NOTE", card.note);
  if (card.categories?.length) lines.push(`CATEGORIES:${card.categories.map((c) => escapeText(c)).join(",")}`);
  text("UID", card.uid);
  text("REV", card.revision);
  lines.push("END:VCARD");
  return `${lines.map(fold).join("\r\n")}\r\n`;
}
