/**
 * The OutputBus contract: one Jest suite every adapter runs (in-process and Redis Streams).
 * Test-only: excluded from the published build (tsconfig.lib.json).
 */
import type { ExecuteResult } from '@runbooks/types';
import { waitFor } from '../../test/redis-test-keys';
import { isDispatchError } from './dispatch-error';
import type { DispatchErrorCode } from './dispatch-error';
import type { OutputBus, OutputBusOptions, OutputLine, RunSignal } from './output-bus';

/**
 * How the suite gets buses, and cleans up after each test. Buses created during one test share
 * their runs, as processes sharing one Redis do (an in-process harness returns the same bus).
 */
export interface OutputBusHarness {
  create(options: OutputBusOptions): Promise<OutputBus>;
  cleanup?(): Promise<void>;
}

/** The done result of run `id`. */
export function resultOf(id: string, returnCode = 0): ExecuteResult {
  return {
    success: returnCode === 0,
    runbook: 'demo.md',
    return_code: returnCode,
    stdout: 'tail',
    stderr: '',
    errors: [],
    warnings: [],
    run_id: id,
  };
}

/** Collects what a subscription receives. */
export class Recorder {
  readonly signals: RunSignal[] = [];
  readonly listener = (signal: RunSignal): void => {
    this.signals.push(signal);
  };

  get seqs(): number[] {
    return this.lines.map((line) => line.seq);
  }

  get lines(): OutputLine[] {
    return this.signals.flatMap((signal) => (signal.kind === 'output' ? [signal.line] : []));
  }

  get done(): Extract<RunSignal, { kind: 'done' }> | undefined {
    return this.signals.find((signal) => signal.kind === 'done');
  }
}

async function expectCode(promise: Promise<unknown>, code: DispatchErrorCode): Promise<void> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isDispatchError(caught, code) ? code : caught).toBe(code);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Registers the OutputBus contract tests for one adapter. */
export function describeOutputBusContract(name: string, harness: OutputBusHarness): void {
  describe(`OutputBus contract: ${name}`, () => {
    const buses: OutputBus[] = [];
    const errors: unknown[] = [];
    const open = async (options: OutputBusOptions = {}): Promise<OutputBus> => {
      const bus = await harness.create({ onError: (error) => errors.push(error), ...options });
      buses.push(bus);
      return bus;
    };

    beforeEach(() => {
      errors.length = 0;
    });

    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
      await harness.cleanup?.();
    });

    it('numbers lines from 1, replays them to a late subscriber, follows live, then ends with done', async () => {
      const bus = await open();
      expect(await bus.publish('run-a', { stream: 'stdout', data: 'one\n' })).toBe(1);
      expect(await bus.publish('run-a', { stream: 'stderr', data: 'two\n' })).toBe(2);
      expect(await bus.publish('run-a', { stream: 'stdout', data: 'three' })).toBe(3);
      const seen = new Recorder();
      bus.subscribe('run-a', 0, seen.listener);
      await waitFor(() => seen.seqs.length === 3);
      expect(seen.lines).toEqual([
        { seq: 1, stream: 'stdout', data: 'one\n' },
        { seq: 2, stream: 'stderr', data: 'two\n' },
        { seq: 3, stream: 'stdout', data: 'three' },
      ]);
      expect(await bus.publish('run-a', { stream: 'stdout', data: 'four\n' })).toBe(4);
      await waitFor(() => seen.seqs.length === 4);
      await bus.complete('run-a', resultOf('run-a'));
      await waitFor(() => seen.done !== undefined);
      expect(seen.done).toEqual({ kind: 'done', result: resultOf('run-a'), lastSeq: 4 });
      // After done: nothing more is published or delivered.
      expect(await bus.publish('run-a', { stream: 'stdout', data: 'late', seq: 5 })).toBe(5);
      await bus.complete('run-a', resultOf('run-a', 1));
      const after = new Recorder();
      bus.subscribe('run-a', 2, after.listener);
      await waitFor(() => after.done !== undefined);
      expect(after.seqs).toEqual([3, 4]);
      expect(after.done?.result.return_code).toBe(0);
      expect(seen.signals).toHaveLength(5);
    });

    it('resumes after the last seq a client saw (Last-Event-ID), on another bus instance too', async () => {
      const writer = await open();
      const reader = await open();
      for (let index = 1; index <= 10; index += 1) {
        await writer.publish('run-b', { stream: 'stdout', data: `line ${index}\n` });
      }
      const seen = new Recorder();
      reader.subscribe('run-b', 6, seen.listener);
      await waitFor(() => seen.seqs.length === 4);
      await writer.publish('run-b', { stream: 'stdout', data: 'line 11\n' });
      await writer.complete('run-b', resultOf('run-b'));
      await waitFor(() => seen.done !== undefined);
      expect(seen.seqs).toEqual([7, 8, 9, 10, 11]);
      expect(seen.lines[0]?.data).toBe('line 7\n');
    });

    it('keeps the seqs the caller gives (the RunStore numbering) and ignores repeats', async () => {
      const bus = await open();
      const seen = new Recorder();
      bus.subscribe('run-c', 0, seen.listener);
      expect(await bus.publish('run-c', { seq: 1, stream: 'stdout', data: 'a' })).toBe(1);
      expect(await bus.publish('run-c', { seq: 2, stream: 'stdout', data: 'b' })).toBe(2);
      expect(await bus.publish('run-c', { seq: 2, stream: 'stdout', data: 'b again' })).toBe(2);
      expect(await bus.publish('run-c', { seq: 1, stream: 'stdout', data: 'a again' })).toBe(1);
      expect(await bus.publish('run-c', { stream: 'stdout', data: 'c' })).toBe(3);
      await bus.complete('run-c', resultOf('run-c'), { lastSeq: 3 });
      await waitFor(() => seen.done !== undefined);
      expect(seen.lines.map((line) => line.data)).toEqual(['a', 'b', 'c']);
    });

    it('gives subscribers that join mid-stream every line once, with no gap', async () => {
      const writer = await open();
      const reader = await open();
      const total = 300;
      const subscribers: { after: number; seen: Recorder }[] = [];
      const joins = new Set([0, 1, 40, 120, 250, 299]);
      for (let index = 1; index <= total; index += 1) {
        const publishing = writer.publish('run-d', { stream: 'stdout', data: `${index}\n` });
        if (joins.has(index - 1)) {
          const seen = new Recorder();
          const after = index === 41 ? 17 : index - 1;
          reader.subscribe('run-d', after, seen.listener);
          subscribers.push({ after, seen });
        }
        if (index % 50 === 0) await publishing;
      }
      await writer.complete('run-d', resultOf('run-d'), { lastSeq: total });
      await waitFor(() => subscribers.every(({ seen }) => seen.done !== undefined), 15_000);
      for (const { after, seen } of subscribers) {
        expect(seen.seqs).toEqual(range(after + 1, total));
        expect(seen.done?.lastSeq).toBe(total);
      }
    });

    it('fills a gap from the backfill: lines it never had, and lines before done', async () => {
      const stored = new Map<number, OutputLine>();
      for (const seq of range(1, 6)) stored.set(seq, { seq, stream: 'stdout', data: `s${seq}` });
      const calls: [number, number][] = [];
      const bus = await open({
        backfill: (runId, fromSeq, limit) => {
          calls.push([fromSeq, limit]);
          expect(runId).toBe('run-e');
          const lines = range(fromSeq, fromSeq + limit - 1).flatMap((seq) => {
            const line = stored.get(seq);
            return line ? [line] : [];
          });
          return Promise.resolve(lines);
        },
      });
      await bus.publish('run-e', { seq: 1, stream: 'stdout', data: 's1' });
      await bus.publish('run-e', { seq: 4, stream: 'stdout', data: 's4' }); // 2 and 3 failed to publish
      const seen = new Recorder();
      bus.subscribe('run-e', 0, seen.listener);
      await waitFor(() => seen.seqs.length === 4);
      expect(seen.lines.map((line) => line.data)).toEqual(['s1', 's2', 's3', 's4']);
      await bus.complete('run-e', resultOf('run-e'), { lastSeq: 6 }); // 5 and 6 only in the store
      await waitFor(() => seen.done !== undefined);
      expect(seen.seqs).toEqual(range(1, 6));
      expect(calls).toEqual([
        [2, 2],
        [5, 2],
      ]);
    });

    it('without a backfill, skips what it does not have and still ends', async () => {
      const bus = await open();
      await bus.publish('run-f', { seq: 2, stream: 'stdout', data: 'two' });
      const seen = new Recorder();
      bus.subscribe('run-f', 0, seen.listener);
      await bus.complete('run-f', resultOf('run-f'), { lastSeq: 3 });
      await waitFor(() => seen.done !== undefined);
      expect(seen.seqs).toEqual([2]);
      expect(seen.done?.lastSeq).toBe(3);
    });

    it('keeps runs apart, serves several subscribers, and survives a listener that throws', async () => {
      const bus = await open();
      const [a, b, other] = [new Recorder(), new Recorder(), new Recorder()];
      const failing = bus.subscribe('run-g', 0, () => {
        throw new Error('listener bug');
      });
      bus.subscribe('run-g', 0, a.listener);
      bus.subscribe('run-g', 0, b.listener);
      bus.subscribe('run-h', 0, other.listener);
      await bus.publish('run-g', { stream: 'stdout', data: 'g1' });
      await bus.publish('run-h', { stream: 'stderr', data: 'h1' });
      await bus.complete('run-g', resultOf('run-g'));
      await waitFor(() => a.done !== undefined && b.done !== undefined && other.seqs.length === 1);
      expect(a.seqs).toEqual([1]);
      expect(b.signals).toEqual(a.signals);
      expect(other.lines).toEqual([{ seq: 1, stream: 'stderr', data: 'h1' }]);
      expect(other.done).toBeUndefined();
      expect(
        errors.some((error) => error instanceof Error && error.message === 'listener bug'),
      ).toBe(true);
      failing.close();
    });

    it('stops delivering once a subscription is closed', async () => {
      const bus = await open();
      const [closed, open1] = [new Recorder(), new Recorder()];
      const subscription = bus.subscribe('run-i', 0, closed.listener);
      bus.subscribe('run-i', 0, open1.listener);
      await bus.publish('run-i', { stream: 'stdout', data: 'x' });
      await waitFor(() => closed.seqs.length === 1 && open1.seqs.length === 1);
      subscription.close();
      subscription.close();
      await bus.publish('run-i', { stream: 'stdout', data: 'y' });
      await waitFor(() => open1.seqs.length === 2);
      expect(closed.seqs).toEqual([1]);
    });

    it('waits for a listener that returns a promise: one signal at a time, in order, once', async () => {
      const bus = await open();
      for (const seq of range(1, 4))
        await bus.publish('run-k', { stream: 'stdout', data: `${seq}` });
      const seen: number[] = [];
      const gates: (() => void)[] = [];
      bus.subscribe('run-k', 0, (signal) => {
        seen.push(signal.kind === 'output' ? signal.line.seq : -1);
        return new Promise<void>((resolve) => gates.push(resolve));
      });
      await waitFor(() => seen.length === 1);
      await bus.publish('run-k', { stream: 'stdout', data: '5' });
      await bus.complete('run-k', resultOf('run-k'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([1]);
      for (let step = 2; step <= 6; step += 1) {
        gates.shift()?.();
        await waitFor(() => seen.length === step);
        expect(seen).toHaveLength(step);
      }
      expect(seen).toEqual([1, 2, 3, 4, 5, -1]);
    });

    it('lets a subscriber that holds back hold back only itself', async () => {
      const bus = await open();
      const stuck: number[] = [];
      const [fast, other] = [new Recorder(), new Recorder()];
      bus.subscribe('run-l', 0, (signal) => {
        stuck.push(signal.kind === 'output' ? signal.line.seq : -1);
        return new Promise<void>(() => undefined);
      });
      bus.subscribe('run-l', 0, fast.listener);
      bus.subscribe('run-m', 0, other.listener);
      for (const seq of range(1, 50)) {
        await bus.publish('run-l', { stream: 'stdout', data: `${seq}` });
        await bus.publish('run-m', { stream: 'stdout', data: `${seq}` });
      }
      await bus.complete('run-l', resultOf('run-l'));
      await waitFor(() => fast.done !== undefined && other.seqs.length === 50);
      expect(fast.seqs).toEqual(range(1, 50));
      expect(other.seqs).toEqual(range(1, 50));
      expect(stuck).toEqual([1]);
    });

    it('gives a subscriber that fell far behind every line once it reads again, backfilled in pages', async () => {
      const total = 3000;
      const stored = new Map<number, OutputLine>();
      const limits: number[] = [];
      const bus = await open({
        backfill: (_runId, fromSeq, limit) => {
          limits.push(limit);
          return Promise.resolve(
            range(fromSeq, fromSeq + limit - 1).flatMap((seq) => {
              const line = stored.get(seq);
              return line ? [line] : [];
            }),
          );
        },
      });
      const seen: number[] = [];
      let holding = true;
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      bus.subscribe('run-n', 0, (signal) => {
        seen.push(signal.kind === 'output' ? signal.line.seq : -1);
        return holding ? held : undefined;
      });
      for (let from = 1; from <= total; from += 500) {
        await Promise.all(
          range(from, from + 499).map((seq) => {
            const line: OutputLine = { seq, stream: 'stdout', data: `line ${seq}\n` };
            stored.set(seq, line);
            return bus.publish('run-n', line);
          }),
        );
      }
      await bus.complete('run-n', resultOf('run-n'), { lastSeq: total });
      await waitFor(() => seen.length === 1);
      holding = false;
      release();
      await waitFor(() => seen.includes(-1), 15_000);
      expect(seen).toEqual([...range(1, total), -1]);
      expect(limits.every((limit) => limit <= 1000)).toBe(true);
    });

    it('rejects bad input and work after close', async () => {
      const bus = await open();
      await expectCode(bus.publish('', { stream: 'stdout', data: 'x' }), 'INVALID_RUN_ID');
      await expectCode(
        bus.publish('r', { stream: 'stdin' as 'stdout', data: 'x' }),
        'INVALID_EVENT',
      );
      await expectCode(
        bus.publish('r', { stream: 'stdout', data: 7 as unknown as string }),
        'INVALID_EVENT',
      );
      await expectCode(bus.publish('r', { seq: 0, stream: 'stdout', data: 'x' }), 'INVALID_EVENT');
      await expectCode(
        bus.publish('r', { seq: 1.5, stream: 'stdout', data: 'x' }),
        'INVALID_EVENT',
      );
      await expectCode(bus.complete('', resultOf('x')), 'INVALID_RUN_ID');
      expect(() => bus.subscribe('', 0, () => undefined)).toThrow(/run id/);
      const seen = new Recorder();
      bus.subscribe('run-j', 0, seen.listener);
      await bus.close();
      await bus.close();
      await expectCode(bus.publish('run-j', { stream: 'stdout', data: 'x' }), 'BUS_CLOSED');
      await expectCode(bus.complete('run-j', resultOf('run-j')), 'BUS_CLOSED');
      expect(() => bus.subscribe('run-j', 0, () => undefined)).toThrow(/closed/);
      expect(seen.signals).toEqual([]);
    });
  });
}
