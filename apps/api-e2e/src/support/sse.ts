import type { ReadableStreamReadResult } from 'node:stream/web';

/** One parsed server-sent event (or comment). */
export interface SseEvent {
  event: string;
  id: string | null;
  /** The data lines joined with `\n`, as a spec-compliant client reassembles them. */
  data: string;
}

/** A parsed stream: its events in order and the comment lines (heartbeats) it carried. */
export interface ParsedStream {
  events: SseEvent[];
  comments: string[];
}

/** Parses complete SSE text (blocks separated by a blank line). */
export function parseSse(text: string): ParsedStream {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line === 'data:') data.push('');
    }
    if (data.length > 0) events.push({ event, id, data: data.join('\n') });
  }
  return { events, comments };
}

/** The JSON of the stream's `done` event (the last one). */
export function doneOf(stream: ParsedStream): Record<string, unknown> {
  const done = stream.events.filter((e) => e.event === 'done').at(-1);
  if (!done) throw new Error('The stream has no done event');
  return JSON.parse(done.data) as Record<string, unknown>;
}

/** An SSE response read incrementally: headers at once, text as it arrives. */
export class LiveStream {
  private received = '';
  private ended = false;
  private readonly finished: Promise<void>;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
    const decoder = new TextDecoder();
    this.finished = (async () => {
      if (!reader) return;
      try {
        for (;;) {
          const chunk: ReadableStreamReadResult<Uint8Array> = await reader.read();
          if (chunk.done) break;
          this.received += decoder.decode(chunk.value, { stream: true });
        }
      } catch {
        // aborted by the test
      } finally {
        this.ended = true;
      }
    })();
  }

  /** Opens a stream; resolves as soon as the status line and headers arrived. */
  static async open(url: string, init: RequestInit = {}): Promise<LiveStream> {
    const controller = new AbortController();
    const response = await fetch(url, { ...init, signal: controller.signal });
    return new LiveStream(response, controller);
  }

  /** Text received so far. */
  get text(): string {
    return this.received;
  }

  /** Whether the server ended the stream (or it was aborted). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** Events received so far. */
  get parsed(): ParsedStream {
    const complete = this.received.slice(0, this.received.lastIndexOf('\n\n') + 2);
    return parseSse(complete);
  }

  /** Resolves once the server ends the stream. */
  async untilEnd(): Promise<ParsedStream> {
    await this.finished;
    return parseSse(this.received);
  }

  /** Drops the connection (a client going away). */
  async abort(): Promise<void> {
    this.controller.abort();
    await this.finished;
  }
}
