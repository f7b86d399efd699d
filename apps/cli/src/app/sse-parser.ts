/** One server-sent event: its name (default `message`), data lines joined by `\n`, and its id. */
export interface SseEvent {
  event: string;
  data: string;
  /** The `id:` of this event, or null when it had none. */
  id: string | null;
}

/**
 * Incremental parser of the `text/event-stream` format as the HTML standard defines it: lines end
 * with CRLF, LF or CR (also split across chunks), `:` lines are comments (heartbeats), `data:`
 * lines are joined with `\n`, a blank line dispatches, an event without data is not dispatched,
 * and `id:` updates {@link lastEventId} (for `Last-Event-ID` on reconnect).
 */
export class SseParser {
  /** Id of the last event seen with an `id:` field (the resume point). */
  lastEventId: string | null = null;
  private buffer = '';
  private pendingCr = false;
  private isFirstChunk = true;
  private eventName = '';
  private dataLines: string[] = [];
  private hasData = false;
  private eventId: string | null = null;

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    if (this.isFirstChunk && text.length > 0) {
      this.isFirstChunk = false;
      if (text.startsWith('\ufeff')) text = text.slice(1);
    }
    const events: SseEvent[] = [];
    let start = 0;
    for (let index = 0; index < text.length; index++) {
      const char = text.charCodeAt(index);
      if (char === 10 && this.pendingCr) {
        // The LF of a CRLF whose CR ended the previous chunk.
        this.pendingCr = false;
        start = index + 1;
        continue;
      }
      this.pendingCr = false;
      if (char === 10 || char === 13) {
        this.buffer += text.slice(start, index);
        this.processLine(this.buffer, events);
        this.buffer = '';
        if (char === 13) {
          if (index + 1 < text.length) {
            if (text.charCodeAt(index + 1) === 10) index++;
          } else {
            this.pendingCr = true;
          }
        }
        start = index + 1;
      }
    }
    this.buffer += text.slice(start);
    return events;
  }

  /** Ends the stream: an unterminated final event is discarded, as the standard requires. */
  end(): SseEvent[] {
    this.buffer = '';
    this.resetEvent();
    return [];
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line === '') {
      this.dispatch(events);
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataLines.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\u0000')) {
          this.eventId = value;
          this.lastEventId = value;
        }
        break;
      default:
        // `retry:` and unknown fields are ignored: reconnection is the caller's decision.
        break;
    }
  }

  private dispatch(events: SseEvent[]): void {
    if (this.hasData) {
      events.push({
        event: this.eventName === '' ? 'message' : this.eventName,
        data: this.dataLines.join('\n'),
        id: this.eventId,
      });
    }
    this.resetEvent();
  }

  private resetEvent(): void {
    this.eventName = '';
    this.dataLines = [];
    this.hasData = false;
    this.eventId = null;
  }
}

/** Reads a byte stream (a fetch body) as server-sent events. */
export async function* readSseEvents(
  body: AsyncIterable<Uint8Array>,
  parser: SseParser = new SseParser(),
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of body) {
    yield* parser.push(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
  parser.end();
}
