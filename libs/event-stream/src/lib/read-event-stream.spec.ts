import { Readable } from 'node:stream';
import { readEventStream, type AbortSignalLike, type ByteStream } from './read-event-stream';
import { SseParser, type SseItem } from './sse-parser';

/** A body that yields the given byte chunks, like a fetch ReadableStream reader. */
function bodyOf(
  chunks: (Uint8Array | undefined)[],
  options: { hang?: boolean; failWith?: Error } = {},
): ByteStream & { canceled: boolean; cancelReason: unknown; released: boolean } {
  const queue = [...chunks];
  const stream = {
    canceled: false,
    cancelReason: undefined as unknown,
    released: false,
    getReader() {
      return {
        read: async () => {
          if (queue.length > 0) return { done: false, value: queue.shift() };
          if (options.failWith) throw options.failWith;
          if (options.hang && !stream.canceled) {
            await new Promise<void>((resolve) => {
              const poll = setInterval(() => {
                if (stream.canceled) {
                  clearInterval(poll);
                  resolve();
                }
              }, 1);
            });
          }
          return { done: true, value: undefined };
        },
        cancel: (reason?: unknown) => {
          stream.canceled = true;
          stream.cancelReason = reason;
          return Promise.resolve();
        },
        releaseLock: () => {
          stream.released = true;
        },
      };
    },
  };
  return stream;
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

async function collect(items: AsyncIterable<SseItem>): Promise<SseItem[]> {
  const all: SseItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** An async iterable that yields its chunks, then never ends until return() is called. */
function hangingIterable(chunks: string[]): AsyncIterable<string> & { returned: boolean } {
  const iterable = {
    returned: false,
    [Symbol.asyncIterator]() {
      let index = 0;
      return {
        next: () =>
          index < chunks.length
            ? Promise.resolve({ done: false as const, value: chunks[index++] ?? '' })
            : new Promise<IteratorResult<string>>(() => undefined),
        return: () => {
          iterable.returned = true;
          return Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
  return iterable;
}

describe('readEventStream', () => {
  it('decodes UTF-8 split across chunks and reports every item', async () => {
    const bytes = encode('event: stdout\ndata: héllo ✓\n\n: ping\n\n');
    // Split inside the multi-byte characters.
    const cut1 = bytes.indexOf(0xc3) + 1;
    const cut2 = bytes.indexOf(0xe2) + 2;
    const chunks = [bytes.slice(0, cut1), bytes.slice(cut1, cut2), bytes.slice(cut2)];
    const body = bodyOf(chunks);
    const items = await collect(readEventStream(body));
    expect(items).toEqual([
      { kind: 'event', event: { event: 'stdout', data: 'héllo ✓', id: '', hasId: false } },
      { kind: 'comment', text: 'ping' },
    ]);
    // Read to its end: nothing to cancel, the lock is given back.
    expect(body.canceled).toBe(false);
    expect(body.released).toBe(true);
  });

  it('decodes UTF-8 split across byte chunks of an async iterable', async () => {
    const bytes = encode('event: stdout\ndata: héllo ✓\n\n');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let index = 0; index < bytes.length; index += 3) {
        yield await Promise.resolve(bytes.subarray(index, index + 3));
      }
    }
    expect(await collect(readEventStream(chunks()))).toEqual([
      { kind: 'event', event: { event: 'stdout', data: 'héllo ✓', id: '', hasId: false } },
    ]);
  });

  it('reads a real fetch Response body', async () => {
    const response = new Response(
      'id: 1\nevent: stdout\ndata: a\n\nid: 2\nevent: done\ndata: {}\n\n',
    );
    expect(response.body).not.toBeNull();
    const items = await collect(readEventStream(response.body!));
    expect(items.map((item) => (item.kind === 'event' ? item.event : null))).toEqual([
      { event: 'stdout', data: 'a', id: '1', hasId: true },
      { event: 'done', data: '{}', id: '2', hasId: true },
    ]);
  });

  it('reads text chunks of a Node stream (setEncoding)', async () => {
    const stream = Readable.from([
      Buffer.from('data: ✓'),
      Buffer.from('\r'),
      Buffer.from('\n\r\n'),
    ]);
    stream.setEncoding('utf8');
    expect(await collect(readEventStream(stream))).toEqual([
      { kind: 'event', event: { event: 'message', data: '✓', id: '', hasId: false } },
    ]);
  });

  it('feeds the given parser, which keeps the resume point', async () => {
    const parser = new SseParser({ lastEventId: '6' });
    const items = await collect(
      readEventStream(bodyOf([encode('data: a\n\nid: 7\ndata: b\n\n')]), { parser }),
    );
    expect(items.map((item) => (item.kind === 'event' ? item.event.id : null))).toEqual(['6', '7']);
    expect(parser.lastEventId).toBe('7');
  });

  it('drops an unterminated last event and skips empty reads', async () => {
    const body = bodyOf([undefined, encode(''), encode('data: a\n\ndata: b')]);
    expect(await collect(readEventStream(body))).toEqual([
      { kind: 'event', event: { event: 'message', data: 'a', id: '', hasId: false } },
    ]);
  });

  it('rejects and cancels the reader when aborted', async () => {
    const body = bodyOf([encode('data: a\n\n')], { hang: true });
    const controller = new AbortController();
    const items: SseItem[] = [];
    const reading = (async () => {
      for await (const item of readEventStream(body, { signal: controller.signal })) {
        items.push(item);
        controller.abort(new Error('stop'));
      }
    })();
    await expect(reading).rejects.toThrow('stop');
    expect(body.canceled).toBe(true);
    expect(body.cancelReason).toEqual(new Error('stop'));
    expect(body.released).toBe(true);
    expect(items).toHaveLength(1);
  });

  it('interrupts a read that is waiting for data when aborted', async () => {
    const body = bodyOf([encode(': ping\n\n')], { hang: true });
    const controller = new AbortController();
    const reading = (async () => {
      for await (const item of readEventStream(body, { signal: controller.signal })) {
        expect(item).toEqual({ kind: 'comment', text: 'ping' });
        // Abort once the reader is waiting for the next chunk.
        setTimeout(() => controller.abort(new Error('gone')), 5);
      }
    })();
    await expect(reading).rejects.toThrow('gone');
    expect(body.canceled).toBe(true);
  });

  it('interrupts a pending next() of an async iterable when aborted, and returns it', async () => {
    const source = hangingIterable(['data: a\n\n']);
    const controller = new AbortController();
    const seen: SseItem[] = [];
    const reading = (async () => {
      for await (const item of readEventStream(source, { signal: controller.signal })) {
        seen.push(item);
        setTimeout(() => controller.abort(new Error('left')), 5);
      }
    })();
    await expect(reading).rejects.toThrow('left');
    expect(seen).toHaveLength(1);
    expect(source.returned).toBe(true);
  });

  it('throws at once when the signal has already fired, without touching the source', async () => {
    const body = bodyOf([encode('data: a\n\n')]);
    const generator = readEventStream(body, { signal: AbortSignal.abort(new Error('early')) });
    await expect(generator.next()).rejects.toThrow('early');
    expect(body.canceled).toBe(false);
    expect(body.released).toBe(false);
  });

  it('throws an AbortError with a code when the signal gives no reason', async () => {
    const signal: AbortSignalLike = {
      aborted: true,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    };
    const error: unknown = await readEventStream(bodyOf([]), { signal })
      .next()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ABORTED' });
  });

  it('rejects with the AbortError of a real AbortController aborted without a reason', async () => {
    const controller = new AbortController();
    const reading = (async () => {
      for await (const _item of readEventStream(bodyOf([encode('data: a\n\n')]), {
        signal: controller.signal,
      })) {
        controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects when the source reports its end because of the abort', async () => {
    const controller = new AbortController();
    // A source that is aborted while it answers the read, and answers "done".
    const body: ByteStream = {
      getReader: () => ({
        read: () => {
          controller.abort(new Error('closed by abort'));
          return Promise.resolve({ done: true });
        },
        cancel: () => Promise.resolve(),
        releaseLock: () => undefined,
      }),
    };
    await expect(collect(readEventStream(body, { signal: controller.signal }))).rejects.toThrow(
      'closed by abort',
    );
  });

  it('cancels the reader when the consumer stops early', async () => {
    const body = bodyOf([encode('data: 1\n\ndata: 2\n\n')], { hang: true });
    for await (const item of readEventStream(body)) {
      expect(item.kind).toBe('event');
      break;
    }
    expect(body.canceled).toBe(true);
    expect(body.cancelReason).toBeUndefined();
    expect(body.released).toBe(true);
  });

  it('returns an async iterable when the consumer stops early', async () => {
    const source = hangingIterable(['data: 1\n\n', 'data: 2\n\n']);
    for await (const item of readEventStream(source)) {
      expect(item.kind).toBe('event');
      break;
    }
    expect(source.returned).toBe(true);
  });

  it('passes on a failing read and gives the lock back', async () => {
    const body = bodyOf([encode('data: a\n\n')], { failWith: new Error('connection reset') });
    const items: SseItem[] = [];
    await expect(
      (async () => {
        for await (const item of readEventStream(body)) items.push(item);
      })(),
    ).rejects.toThrow('connection reset');
    expect(items).toHaveLength(1);
    expect(body.canceled).toBe(true);
    expect(body.released).toBe(true);
  });
});
