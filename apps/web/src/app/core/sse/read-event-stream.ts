import { SseParser, type SseItem } from './sse-parser';

/** The reader side of a fetch body (kept minimal so tests can supply their own). */
export interface ByteStream {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
    cancel(reason?: unknown): Promise<void>;
    releaseLock(): void;
  };
}

/**
 * Reads a `text/event-stream` body to its end, decoding UTF-8 across chunk boundaries and calling
 * `onItem` for every event and comment. Resolves when the server closes the stream; an abort
 * cancels the read and rejects with the abort reason.
 */
export async function readEventStream(
  body: ByteStream,
  onItem: (item: SseItem) => void,
  parser: SseParser = new SseParser(),
  signal?: AbortSignal,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const onAbort = (): void => {
    void reader.cancel(signal?.reason).catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason ?? new DOMException('Aborted', 'AbortError');
      const { done, value } = await reader.read();
      if (done) break;
      if (value && value.length > 0) {
        for (const item of parser.push(decoder.decode(value, { stream: true }))) onItem(item);
      }
    }
    const rest = decoder.decode();
    if (rest) for (const item of parser.push(rest)) onItem(item);
    parser.end();
    if (signal?.aborted) throw signal.reason ?? new DOMException('Aborted', 'AbortError');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try {
      reader.releaseLock();
    } catch {
      // Already released or the stream errored: nothing to do.
    }
  }
}
