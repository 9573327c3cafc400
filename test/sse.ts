/**
 * A Server-Sent Events client for tests that must see the stream's every line: frames as the
 * HTML standard's parser reads them (`event:`, `data:`, `id:`, `retry:`, and `:` comments), one
 * at a time, with a deadline. (`eventsource` is the real client; it hides comments and `retry`.)
 */

export interface Frame {
  event?: string;
  data?: string;
  id?: string;
  retry?: string;
  /** A comment line's text (`: heartbeat` → `heartbeat`). */
  comment?: string;
}

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private readonly frames: Frame[] = [];
  /** Whether the server ended the stream. */
  ended = false;

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  /** The next frame, or undefined once the stream has ended; throws after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<Frame | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), left);
      });
      const { done, value } = await Promise.race([this.reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (done) this.ended = true;
      else this.take(this.decoder.decode(value, { stream: true }));
    }
    return this.frames.shift();
  }

  /** The next frame that is an event (comments and `retry` skipped). */
  async nextEvent(timeoutMs = 2000): Promise<Frame | undefined> {
    for (;;) {
      const frame = await this.next(timeoutMs);
      if (!frame || frame.event !== undefined || frame.data !== undefined) return frame;
    }
  }

  /** Waits for the end of the stream, failing on any event before it. */
  async end(timeoutMs = 2000): Promise<void> {
    const frame = await this.nextEvent(timeoutMs);
    if (frame) throw new Error(`an event before the end: ${JSON.stringify(frame)}`);
  }

  /** Closes the stream from the client's side, as a closed tab does. */
  close() {
    return this.reader.cancel();
  }

  private take(text: string) {
    this.buffer += text.replaceAll("\r\n", "\n");
    for (let at = this.buffer.indexOf("\n\n"); at >= 0; at = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      const frame: Frame = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          frame.comment = line.slice(1).trimStart();
          continue;
        }
        const colon = line.indexOf(":");
        const field = (colon < 0 ? line : line.slice(0, colon)) as keyof Frame;
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        frame[field] = field === "data" && frame.data !== undefined ? `${frame.data}\n${value}` : value;
      }
      this.frames.push(frame);
    }
  }
}
