/**
 * A vCard reader (RFC 2426 for 3.0, RFC 6350 for 4.0) for the properties a contact keeps: cards
 * found in a byte stream with the offset each ends at, folded lines joined, parameters read
 * (quoted values too), text values unescaped.
 */

/** A content line: its name (upper-case, without a group), its parameters (names upper-case, values lower-case) and its raw value. */
export interface VCardProperty {
  name: string;
  params: Record<string, string[]>;
  value: string;
}

/** A card's lines between BEGIN:VCARD and END:VCARD; `end` is the byte offset just past its last line. */
export interface RawCard {
  lines: string[];
  end: number;
  /** False for a card the file ends in without an END:VCARD. */
  complete: boolean;
}

const LF = 0x0a;

/** The stream's lines (without CR LF), each with the byte offset just past it. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<{ line: string; end: number }> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let pending = new Uint8Array(0);
  let consumed = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const buffer = new Uint8Array(pending.length + value.length);
      buffer.set(pending);
      buffer.set(value, pending.length);
      let start = 0;
      for (let lf = buffer.indexOf(LF); lf !== -1; lf = buffer.indexOf(LF, start)) {
        yield { line: decoder.decode(buffer.subarray(start, lf)).replace(/\r$/, ""), end: consumed + lf + 1 };
        start = lf + 1;
      }
      consumed += start;
      pending = buffer.slice(start);
    }
    if (pending.length > 0) yield { line: decoder.decode(pending).replace(/\r$/, ""), end: consumed + pending.length };
  } finally {
    reader.releaseLock();
    await stream.cancel().catch(() => {});
  }
}

const isLine = (line: string, text: string) => line.trim().toUpperCase() === text;

/** The cards of a vCard file read from a stream; lines outside a card are skipped. */
export async function* readCards(stream: ReadableStream<Uint8Array>): AsyncGenerator<RawCard> {
  let card: string[] | null = null;
  let end = 0;
  for await (const line of linesOf(stream)) {
    end = line.end;
    if (card === null) {
      if (isLine(line.line, "BEGIN:VCARD")) card = [];
    } else if (isLine(line.line, "END:VCARD")) {
      yield { lines: card, end, complete: true };
      card = null;
    } else {
      card.push(line.line);
    }
  }
  if (card !== null) yield { lines: card, end, complete: false };
}

/** Splits `text` at each `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** One unfolded content line, `[group.]NAME *(;PARAM[=value,…]):value`; null when it is not one. */
export function parseContentLine(line: string): VCardProperty | null {
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < line.length && colon === -1; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ":" && !quoted) colon = i;
  }
  if (colon <= 0) return null;
  const [head, ...paramTexts] = splitOutsideQuotes(line.slice(0, colon), ";");
  const name = head!
    .slice(head!.lastIndexOf(".") + 1)
    .trim()
    .toUpperCase();
  const params: Record<string, string[]> = Object.create(null);
  for (const param of paramTexts) {
    const eq = param.indexOf("=");
    // vCard 2.1's bare parameters (`TEL;CELL:`) are types.
    const key = eq === -1 ? "TYPE" : param.slice(0, eq).trim().toUpperCase();
    const values = splitOutsideQuotes(eq === -1 ? param : param.slice(eq + 1), ",").map((v) =>
      v.trim().replace(/^"|"$/g, "").toLowerCase(),
    );
    params[key] = [...(params[key] ?? []), ...values];
  }
  return { name, params, value: line.slice(colon + 1) };
}

/** The card's properties: folded lines (a line starting with a space or a tab continues the one before) joined first. */
export function parseCard(lines: readonly string[]): VCardProperty[] {
  const unfolded: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && unfolded.length > 0) unfolded[unfolded.length - 1] += line.slice(1);
    else if (line.trim() !== "") unfolded.push(line);
  }
  return unfolded.flatMap((line) => parseContentLine(line) ?? []);
}

/** A text value with its escapes (`\n`, `\,`, `\;`, `\\`) undone. */
export const unescapeText = (value: string) => value.replace(/\\([\s\S])/g, (_, ch: string) => (ch === "n" || ch === "N" ? "\n" : ch));

/** A structured (`;`) or list (`,`) value's parts, each unescaped; an escaped separator stays in its part. */
export function splitValue(value: string, separator: ";" | ","): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === "\\" && i + 1 < value.length) {
      current += ch + value[++i];
    } else if (ch === separator) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(unescapeText);
}
