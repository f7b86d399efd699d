/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last event id seen so far (ids persist across events, as in EventSource). */
  id: string;
  /** Whether this event carried its own `id:` line (rather than inheriting the last one). */
  hasId: boolean;
}

/** Everything the parser reports: events, and comments (heartbeats like `: ping`). */
export type SseItem = { kind: 'event'; event: SseEvent } | { kind: 'comment'; text: string };

/**
 * An incremental parser for the `text/event-stream` format (WHATWG HTML, "Server-sent events"):
 * feed it decoded text in chunks of any size, including chunks that split a line or a CRLF pair.
 */
export class SseParser {
  private buffer = '';
  /** A chunk ended in CR: a following LF belongs to the same line ending. */
  private pendingCr = false;
  private isStreamStart = true;
  private eventType = '';
  private dataLines: string[] = [];
  private hasData = false;
  private hasOwnId = false;
  private lastEventId = '';
  /** The last `retry:` value in milliseconds, if the server sent one. */
  retryMs: number | null = null;

  /** The id of the last event seen (send it back as `Last-Event-ID` when reconnecting). */
  get lastId(): string {
    return this.lastEventId;
  }

  /** Parses a chunk and returns the items completed by it, in order. */
  push(chunk: string): SseItem[] {
    if (chunk === '') return [];
    let text = chunk;
    if (this.isStreamStart && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.isStreamStart = false;
    }
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;

    const items: SseItem[] = [];
    this.buffer += text;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf('\r', start);
      const lf = this.buffer.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        end = cr;
        if (cr + 1 < this.buffer.length) {
          next = this.buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
        } else {
          // CR at the end of what we have: the LF may arrive in the next chunk.
          next = cr + 1;
          this.pendingCr = true;
        }
      } else {
        end = lf;
        next = lf + 1;
      }
      this.processLine(this.buffer.slice(start, end), items);
      start = next;
    }
    this.buffer = this.buffer.slice(start);
    return items;
  }

  /**
   * Ends the stream. Per the specification an event not terminated by a blank line is dropped,
   * so nothing is returned; the parser is reset for reuse (the last id is kept).
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
      items.push({ kind: 'comment', text: line.slice(1).replace(/^ /, '') });
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
        if (!value.includes('\0')) {
          this.lastEventId = value;
          this.hasOwnId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
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
          id: this.lastEventId,
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
