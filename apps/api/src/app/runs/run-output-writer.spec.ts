import { InProcessOutputBus } from '@runbooks/dispatch';
import { openSqliteRunStore, type SqliteRunStore } from '@runbooks/history';

import { RunOutputWriter } from './run-output-writer';

/** A real in-process bus and what one subscriber of the run received from it. */
function publishedLines(runId: string) {
  const bus = new InProcessOutputBus();
  const lines: { seq: number; data: string }[] = [];
  bus.subscribe(runId, 0, (signal) => {
    if (signal.kind === 'output') lines.push({ seq: signal.line.seq, data: signal.line.data });
  });
  return { bus, lines };
}

describe('RunOutputWriter', () => {
  let store: SqliteRunStore;
  let runId: string;

  beforeEach(async () => {
    store = await openSqliteRunStore({ file: ':memory:' });
    const run = await store.create({ runbook: 'Echo.md', requestedBy: 'tester', roles: [] });
    runId = run.id;
  });

  afterEach(async () => {
    jest.useRealTimers();
    await store.close();
  });

  const storedData = async () => (await store.readOutput(runId)).map((chunk) => chunk.data);

  it('stores lines and publishes them with the seqs the store gave them', async () => {
    const published = publishedLines(runId);
    const writer = new RunOutputWriter(store, published.bus, runId);
    writer.add('stdout', 'a');
    writer.add('stderr', 'b');
    await writer.flush();
    writer.add('stdout', 'c');
    await writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(published.lines).toEqual([
      { seq: 1, data: 'a' },
      { seq: 2, data: 'b' },
      { seq: 3, data: 'c' },
    ]);
    expect(await storedData()).toEqual(['a', 'b', 'c']);
    expect(writer.lastSeq).toBe(3);
  });

  it('writes the first line after a quiet spell at once, then batches lines within the interval', async () => {
    jest.useFakeTimers();
    const appends = jest.spyOn(store, 'appendOutput');
    const published = publishedLines(runId);
    const writer = new RunOutputWriter(store, published.bus, runId);
    const batches = () => appends.mock.calls.map(([, chunks]) => chunks.map((chunk) => chunk.data));

    writer.add('stdout', 'first');
    writer.add('stdout', 'same read');
    await jest.advanceTimersByTimeAsync(0);
    expect(batches()).toEqual([['first', 'same read']]);

    writer.add('stdout', 'soon after');
    await jest.advanceTimersByTimeAsync(20);
    writer.add('stdout', 'sooner after');
    expect(batches()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(5);
    expect(batches()).toEqual([
      ['first', 'same read'],
      ['soon after', 'sooner after'],
    ]);

    await writer.flush();
    await jest.advanceTimersByTimeAsync(0);
    expect(published.lines.map((line) => line.seq)).toEqual([1, 2, 3, 4]);
    expect(await storedData()).toEqual(['first', 'same read', 'soon after', 'sooner after']);
  });
});
