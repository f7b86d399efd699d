import { ReplayableEventStream } from './replayable-event-stream';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('ReplayableEventStream', () => {
  it('delivers every event to each consumer, including late ones', async () => {
    const stream = new ReplayableEventStream<number>();
    const early = collect(stream);
    stream.push(1);
    await Promise.resolve();
    stream.push(2);
    stream.end();
    stream.push(3); // ignored after end
    stream.end();
    expect(await early).toEqual([1, 2]);
    expect(await collect(stream)).toEqual([1, 2]);
    expect(stream.snapshot()).toEqual([1, 2]);
  });

  it('waits for events that are pushed later', async () => {
    const stream = new ReplayableEventStream<string>();
    const iterator = stream[Symbol.asyncIterator]();
    const pending = iterator.next();
    setTimeout(() => stream.push('late'), 5);
    expect(await pending).toEqual({ done: false, value: 'late' });
    stream.end();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('stops an iterator that is closed early (break)', async () => {
    const stream = new ReplayableEventStream<number>();
    stream.push(1);
    stream.push(2);
    const seen: number[] = [];
    for await (const item of stream) {
      seen.push(item);
      break;
    }
    expect(seen).toEqual([1]);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.return?.();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
