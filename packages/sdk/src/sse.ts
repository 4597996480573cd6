// An incremental server-sent events parser (WHATWG event-stream format), fed text chunks.

export interface SseMessage<T = unknown> {
  /** The event id (a resume cursor); the last seen id when this event carried none. */
  id: string | undefined;
  /** The event type (`message` when the stream gave none). */
  type: string;
  /** The data lines joined, parsed as JSON where possible (the raw text otherwise). */
  data: T;
}

export class SseParser {
  private buffer = '';
  private type = '';
  private data: string[] = [];
  private hasData = false;
  private sawId = false;
  /** The most recent event id seen (persists across events, as the spec says). */
  lastEventId: string | undefined;
  /** A `retry:` value the server sent, in milliseconds. */
  retryMs: number | undefined;

  /** Feeds a chunk of text; returns the events it completed. */
  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer.slice(start));
      if (!match) break;
      // A lone trailing \r may be the first half of \r\n: wait for more input.
      if (match[0] === '\r' && start + match.index + 1 === this.buffer.length) break;
      const line = this.buffer.slice(start, start + match.index);
      start += match.index + match[0].length;
      const event = this.line(line);
      if (event) out.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  /** Ends the input: an incomplete trailing event is dropped, as the spec says. */
  end(): void {
    this.buffer = '';
    this.reset();
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.lastEventId = value;
          this.sawId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const hasData = this.hasData;
    const sawId = this.sawId;
    const type = this.type || 'message';
    const text = this.data.join('\n');
    this.reset();
    if (!hasData && !sawId) return undefined;
    if (!hasData) return undefined; // an id-only block just moves the cursor
    return { id: this.lastEventId, type, data: parseData(text) };
  }

  private reset(): void {
    this.type = '';
    this.data = [];
    this.hasData = false;
    this.sawId = false;
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
