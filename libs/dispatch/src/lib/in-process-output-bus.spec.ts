import { waitFor } from '../../test/redis-test-keys';
import { InProcessOutputBus } from './in-process-output-bus';
import { describeOutputBusContract, Recorder, resultOf } from './output-bus.contract';

let shared: InProcessOutputBus | null = null;
describeOutputBusContract('in-process', {
  // One process, one bus: a second "instance" within a test is the same bus.
  create: (options) => Promise.resolve((shared ??= new InProcessOutputBus(options))),
  cleanup: () => {
    shared = null;
    return Promise.resolve();
  },
});

describe('InProcessOutputBus', () => {
  it('keeps the last maxLinesPerRun lines and backfills older ones', async () => {
    const bus = new InProcessOutputBus({
      maxLinesPerRun: 3,
      backfill: (_runId, fromSeq, limit) =>
        Promise.resolve(
          Array.from({ length: limit }, (_, index) => ({
            seq: fromSeq + index,
            stream: 'stdout' as const,
            data: `stored ${fromSeq + index}`,
          })),
        ),
    });
    for (let index = 1; index <= 8; index += 1) {
      await bus.publish('r', { stream: 'stdout', data: `live ${index}` });
    }
    const seen = new Recorder();
    bus.subscribe('r', 2, seen.listener);
    await waitFor(() => seen.seqs.length === 6);
    expect(seen.lines.map((line) => line.data)).toEqual([
      'stored 3',
      'stored 4',
      'stored 5',
      'live 6',
      'live 7',
      'live 8',
    ]);
    await bus.close();
  });

  it('forgets a finished run after completedRetentionMs, and a subscription that saw nothing', async () => {
    const bus = new InProcessOutputBus({ completedRetentionMs: 20 });
    await bus.publish('gone', { stream: 'stdout', data: 'x' });
    await bus.complete('gone', resultOf('gone'));
    await new Promise((resolve) => setTimeout(resolve, 60));
    const late = new Recorder();
    const subscription = bus.subscribe('gone', 0, late.listener);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(late.signals).toEqual([]);
    subscription.close();
    const seen = new Recorder();
    bus.subscribe('gone', 0, seen.listener);
    await bus.publish('gone', { stream: 'stdout', data: 'new life' });
    await waitFor(() => seen.seqs.length === 1);
    await bus.close();
  });

  it('drops what a held-back subscriber has queued past its bound and reads it back from the backfill', async () => {
    const calls: [number, number][] = [];
    const bus = new InProcessOutputBus({
      backfill: (_runId, fromSeq, limit) => {
        calls.push([fromSeq, limit]);
        return Promise.resolve(
          Array.from({ length: limit }, (_, index) => ({
            seq: fromSeq + index,
            stream: 'stdout' as const,
            data: `stored ${fromSeq + index}`,
          })),
        );
      },
    });
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    bus.subscribe('r', 0, (signal) => {
      if (signal.kind === 'output') seen.push(signal.line.data);
      return seen.length === 1 ? held : undefined;
    });
    for (let index = 1; index <= 2500; index += 1) {
      await bus.publish('r', { stream: 'stdout', data: `live ${index}` });
    }
    release();
    await waitFor(() => seen.length === 2500);
    expect(seen[0]).toBe('live 1');
    // Past 2000 queued lines only the newest stays queued; 2..2001 are read back in pages.
    expect(seen.slice(1, 2001)).toEqual(
      Array.from({ length: 2000 }, (_, index) => `stored ${index + 2}`),
    );
    expect(seen.slice(2001)).toEqual(
      Array.from({ length: 499 }, (_, index) => `live ${index + 2002}`),
    );
    expect(calls).toEqual([
      [2, 1000],
      [1002, 1000],
    ]);
    await bus.close();
  });

  it('reports a failing backfill and carries on', async () => {
    const errors: unknown[] = [];
    const bus = new InProcessOutputBus({
      backfill: () => Promise.reject(new Error('store down')),
      onError: (error) => errors.push(error),
    });
    const seen = new Recorder();
    bus.subscribe('r', 0, seen.listener);
    await bus.publish('r', { seq: 3, stream: 'stdout', data: 'three' });
    await waitFor(() => seen.seqs.length === 1);
    expect(seen.seqs).toEqual([3]);
    expect(errors).toHaveLength(1);
    await bus.close();
  });
});
