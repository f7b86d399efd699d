import { SseParser, type SseItem } from './sse-parser';

/** The reader side of a WHATWG `ReadableStream` of bytes, such as a fetch `Response.body`. */
export interface ByteStream {
  /** Locks the stream to one reader. */
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>;
    cancel(reason?: unknown): Promise<void>;
    releaseLock(): void;
  };
}

/** What {@link readEventStream} reads: a byte stream, or an async iterable of bytes or text. */
export type EventStreamSource = ByteStream | AsyncIterable<Uint8Array | string>;

/** The part of an `AbortSignal` that {@link readEventStream} uses (any real AbortSignal fits). */
export interface AbortSignalLike {
  /** Whether the signal has fired. */
  readonly aborted: boolean;
  /** Why it fired (thrown by the reader). */
  readonly reason?: unknown;
  /** Subscribes to the abort. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Unsubscribes from the abort. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options of {@link readEventStream}. */
export interface ReadEventStreamOptions {
  /** The parser to feed (e.g. one created with a known `lastEventId`); a new one by default. */
  parser?: SseParser;
  /** Stops reading: the source is canceled and the generator throws the signal's reason. */
  signal?: AbortSignalLike;
}

/** The WHATWG `TextDecoder` as far as we use it (a global in Node 20 and in every browser). */
interface Utf8Decoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}

/** A pull interface over either kind of source. */
interface ChunkReader {
  next(): Promise<{ done?: boolean | undefined; value?: Uint8Array | string | undefined }>;
  /** Stops the source early (the consumer left, an error, or an abort). */
  cancel(reason: unknown): Promise<void>;
  release(): void;
}

/**
 * Reads a `text/event-stream` body to its end and yields every event and comment as it arrives,
 * decoding UTF-8 across chunk boundaries. Leaving the loop early (or an error) cancels the source;
 * an abort cancels it too and makes the generator throw the abort reason.
 */
export async function* readEventStream(
  source: EventStreamSource,
  options: ReadEventStreamOptions = {},
): AsyncGenerator<SseItem, void, undefined> {
  const { signal } = options;
  const parser = options.parser ?? new SseParser();
  throwIfAborted(signal);
  const decoder = createUtf8Decoder();
  const reader = openChunkReader(source);
  let isFinished = false;
  let rejectOnAbort: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => (rejectOnAbort = reject));
  aborted.catch(() => undefined);
  const onAbort = (): void => {
    const reason = abortReason(signal);
    rejectOnAbort(reason);
    void reader.cancel(reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      throwIfAborted(signal);
      const next = reader.next();
      // If the abort wins the race, a later failure of this read must not go unhandled.
      next.catch(() => undefined);
      const { done, value } = await Promise.race([next, aborted]);
      if (done) break;
      if (value === undefined) continue;
      const text = typeof value === 'string' ? value : decoder.decode(value, { stream: true });
      yield* parser.push(text);
    }
    isFinished = true;
    throwIfAborted(signal);
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!isFinished) await reader.cancel(signal?.aborted ? signal.reason : undefined);
    reader.release();
  }
}

function openChunkReader(source: EventStreamSource): ChunkReader {
  if ('getReader' in source) {
    const reader = source.getReader();
    return {
      next: () => reader.read(),
      cancel: (reason) => reader.cancel(reason).catch(() => undefined),
      release: () => {
        try {
          reader.releaseLock();
        } catch {
          // Already released, or the stream errored: nothing to give back.
        }
      },
    };
  }
  const iterator = source[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    // Not awaited: an async generator answers return() only after a pending next() settles.
    cancel: () => {
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
      return Promise.resolve();
    },
    release: () => undefined,
  };
}

function createUtf8Decoder(): Utf8Decoder {
  // Typed by hand: this lib compiles against ES types only, so no DOM or Node API slips in.
  const { TextDecoder } = globalThis as unknown as {
    TextDecoder: new (label: 'utf-8') => Utf8Decoder;
  };
  return new TextDecoder('utf-8');
}

function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

function abortReason(signal: AbortSignalLike | undefined): unknown {
  if (signal?.reason !== undefined) return signal.reason;
  // Runtimes before AbortSignal.reason (2022) abort without one.
  return Object.assign(new Error('The event stream was aborted'), {
    name: 'AbortError',
    code: 'ABORTED',
  });
}
