import { readEventStream, type ByteStream } from './read-event-stream';
import type { SseItem } from './sse-parser';

/** A body that yields the given byte chunks, like a fetch ReadableStream reader. */
function bodyOf(
  chunks: Uint8Array[],
  options: { hang?: boolean } = {},
): ByteStream & {
  canceled: boolean;
} {
  const queue = [...chunks];
  const stream = {
    canceled: false,
    getReader() {
      return {
        read: async () => {
          const value = queue.shift();
          if (value) return { done: false, value };
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
        cancel: () => {
          stream.canceled = true;
          return Promise.resolve();
        },
        releaseLock: () => undefined,
      };
    },
  };
  return stream;
}

describe('readEventStream', () => {
  it('decodes UTF-8 split across chunks and reports every item', async () => {
    const bytes = new TextEncoder().encode('event: stdout\ndata: héllo ✓\n\n: ping\n\n');
    // Split inside the multi-byte characters.
    const cut1 = bytes.indexOf(0xc3) + 1;
    const cut2 = bytes.indexOf(0xe2) + 2;
    const chunks = [bytes.slice(0, cut1), bytes.slice(cut1, cut2), bytes.slice(cut2)];
    const items: SseItem[] = [];
    await readEventStream(bodyOf(chunks), (item) => items.push(item));
    expect(items).toEqual([
      { kind: 'event', event: { event: 'stdout', data: 'héllo ✓', id: '', hasId: false } },
      { kind: 'comment', text: 'ping' },
    ]);
  });

  it('rejects and cancels the reader when aborted', async () => {
    const body = bodyOf([new TextEncoder().encode('data: a\n\n')], { hang: true });
    const controller = new AbortController();
    const items: SseItem[] = [];
    const reading = readEventStream(
      body,
      (item) => {
        items.push(item);
        controller.abort(new Error('stop'));
      },
      undefined,
      controller.signal,
    );
    await expect(reading).rejects.toThrow('stop');
    expect(body.canceled).toBe(true);
    expect(items).toHaveLength(1);
  });
});
