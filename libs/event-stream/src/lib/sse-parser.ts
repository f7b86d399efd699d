/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last event id so far (ids persist across events, as in EventSource); `''` when none. */
  id: string;
  /** Whether this event carried its own `id:` line (rather than inheriting the last one). */
  hasId: boolean;
}

/** What the parser reports: events, and comments (heartbeats such as `: ping`). */
export type SseItem = { kind: 'event'; event: SseEvent } | { kind: 'comment'; text: string };

/** Options of {@link SseParser}. */
export interface SseParserOptions {
  /** The resume point already known (the `Last-Event-ID` sent on reconnect); default `''`. */
  lastEventId?: string;
}

/**
 * Incremental parser of `text/event-stream` (WHATWG HTML, "Server-sent events"): feed it decoded
 * text in chunks of any size, including chunks that split a line or a CRLF pair.
 */
export class SseParser {
  /** The unterminated rest of the last chunk (never holds a CR or LF). */
  private buffer = '';
  /** The last chunk ended in CR: an LF starting the next chunk belongs to the same line end. */
  private pendingCr = false;
  private isStreamStart = true;
  private eventType = '';
  private dataLines: string[] = [];
  private hasData = false;
  private hasOwnId = false;
  private lastId: string;
  private retry: number | null = null;

  constructor(options: SseParserOptions = {}) {
    this.lastId = options.lastEventId ?? '';
  }

  /** The id of the last event seen, `''` when none (send it as `Last-Event-ID` to resume). */
  get lastEventId(): string {
    return this.lastId;
  }

  /** The last valid `retry:` value in milliseconds, or null if the server sent none. */
  get retryMs(): number | null {
    return this.retry;
  }

  /** Parses a chunk of text and returns the items it completes, in order. */
  push(chunk: string): SseItem[] {
    if (chunk === '') return [];
    let text = chunk;
    if (this.isStreamStart) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.isStreamStart = false;
    }
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;

    const items: SseItem[] = [];
    const buffer = this.buffer + text;
    // The old rest holds no line end: search only the new text, and each index once (O(n)).
    let start = 0;
    let cr = buffer.indexOf('\r', this.buffer.length);
    let lf = buffer.indexOf('\n', this.buffer.length);
    while (cr !== -1 || lf !== -1) {
      const lineStart = start;
      let end: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 === buffer.length) {
          // CR at the end of what we have: its LF may start the next chunk.
          this.pendingCr = true;
          start = cr + 1;
        } else {
          start = buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        }
      } else {
        end = lf;
        start = lf + 1;
      }
      this.processLine(buffer.slice(lineStart, end), items);
      if (cr !== -1 && cr < start) cr = buffer.indexOf('\r', start);
      if (lf !== -1 && lf < start) lf = buffer.indexOf('\n', start);
    }
    this.buffer = buffer.slice(start);
    return items;
  }

  /**
   * Ends the stream. As the standard requires, an event not terminated by a blank line is dropped,
   * so this returns no items; the parser is reset for the next stream and keeps the last id.
   */
  end(): SseItem[] {
    this.buffer = '';
    this.pendingCr = false;
    this.isStreamStart = true;
    this.resetEvent();
    return [];
  }

  private processLine(line: string, items: SseItem[]): void {
    if (line === '') {
      this.dispatch(items);
      return;
    }
    if (line.startsWith(':')) {
      items.push({ kind: 'comment', text: line.startsWith(': ') ? line.slice(2) : line.slice(1) });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        this.hasData = true;
        break;
      case 'id':
        // An id containing NUL is ignored (the standard's rule); an empty id resets the last id.
        if (!value.includes('\0')) {
          this.lastId = value;
          this.hasOwnId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  private dispatch(items: SseItem[]): void {
    if (this.hasData) {
      items.push({
        kind: 'event',
        event: {
          event: this.eventType === '' ? 'message' : this.eventType,
          data: this.dataLines.join('\n'),
          id: this.lastId,
          hasId: this.hasOwnId,
        },
      });
    }
    this.resetEvent();
  }

  private resetEvent(): void {
    this.eventType = '';
    this.dataLines = [];
    this.hasData = false;
    this.hasOwnId = false;
  }
}
