/**
 * The RunQueue contract: one Jest suite every adapter runs (in-process and BullMQ).
 * Test-only: excluded from the published build (tsconfig.lib.json).
 */
import { waitFor } from '../../test/redis-test-keys';
import { isDispatchError } from './dispatch-error';
import type { DispatchErrorCode } from './dispatch-error';
import type { RunJob, RunQueue, RunQueueOptions } from './run-queue';
import { jobIdOf } from './run-queue';

/** How the suite gets a fresh, empty queue for each test, and cleans up after it. */
export interface RunQueueHarness {
  create(options: RunQueueOptions): Promise<RunQueue>;
  cleanup?(): Promise<void>;
}

/** A promise whose resolution the test controls. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
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

/** Registers the RunQueue contract tests for one adapter. */
export function describeRunQueueContract(name: string, harness: RunQueueHarness): void {
  describe(`RunQueue contract: ${name}`, () => {
    let queue: RunQueue;
    const errors: unknown[] = [];
    const open = async (options: RunQueueOptions = {}): Promise<RunQueue> => {
      queue = await harness.create({
        retryDelayMs: 20,
        ...options,
        onError: (error) => errors.push(error),
      });
      return queue;
    };

    beforeEach(() => {
      errors.length = 0;
    });

    afterEach(async () => {
      await queue.close();
      await harness.cleanup?.();
    });

    it('delivers every run once, first in first out for one consumer', async () => {
      await open();
      const ids = ['r1', 'r2', 'r3', 'r4', 'r5'];
      for (const id of ids) await queue.enqueue(id);
      const seen: RunJob[] = [];
      queue.consume((job) => {
        seen.push(job);
        return Promise.resolve();
      });
      await waitFor(() => seen.length === ids.length, 10_000, 'all jobs handled');
      expect(seen).toEqual(ids.map((runId) => ({ runId, delivery: 1 })));
      await waitFor(async () => (await queue.counts()).active === 0);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0 });
    });

    it('ignores a second enqueue of a pending run: the job id is the run id', async () => {
      await open();
      await queue.enqueue('dup');
      await queue.enqueue('dup');
      expect(await queue.counts()).toEqual({ waiting: 1, active: 0 });
      const handled: string[] = [];
      const blocker = gate();
      queue.consume(async (job) => {
        handled.push(job.runId);
        if (job.runId === 'dup' && handled.length === 1) await blocker.promise;
      });
      await waitFor(() => handled.length === 1);
      await queue.enqueue('dup'); // while it is being handled
      blocker.open();
      await queue.enqueue('sentinel'); // FIFO: a duplicate would come before it
      await waitFor(() => handled.includes('sentinel'), 10_000, 'sentinel handled');
      expect(handled).toEqual(['dup', 'sentinel']);
      // Once done, the same id may be queued again (the RunStore's claim fences a re-run).
      await queue.enqueue('dup');
      await waitFor(() => handled.length === 3);
      expect(handled).toEqual(['dup', 'sentinel', 'dup']);
    });

    it('queues a later attempt of a run as a job of its own, each attempt once', async () => {
      await open();
      const handled: string[] = [];
      const stuck = gate();
      queue.consume(
        async (job) => {
          handled.push(job.runId);
          if (job.runId === 'again') await stuck.promise; // e.g. a consumer that died mid-job
        },
        { concurrency: 3 },
      );
      await queue.enqueue('again');
      await waitFor(() => handled.length === 1);
      await queue.enqueue('again', { attempt: 2 });
      await waitFor(() => handled.length === 2, 10_000, 'the second attempt handled');
      // Both attempts are pending: enqueueing either again is a no-op.
      await queue.enqueue('again', { attempt: 2 });
      await queue.enqueue('again');
      await queue.enqueue('sentinel');
      await waitFor(() => handled.includes('sentinel'), 10_000, 'sentinel handled');
      expect(handled).toEqual(['again', 'again', 'sentinel']);
      stuck.open();
      expect(jobIdOf('again')).toBe('again');
      expect(jobIdOf('again', 1)).toBe('again');
      expect(jobIdOf('again', 3)).toBe('again.attempt-3');
    });

    it('keeps each consumer to its concurrency and counts waiting and active jobs', async () => {
      await open();
      const release = gate();
      let running = 0;
      let peak = 0;
      let done = 0;
      for (let index = 0; index < 5; index += 1) await queue.enqueue(`c${index}`);
      queue.consume(
        async () => {
          running += 1;
          peak = Math.max(peak, running);
          await release.promise;
          running -= 1;
          done += 1;
        },
        { concurrency: 2 },
      );
      await waitFor(() => running === 2);
      await waitFor(async () => {
        const counts = await queue.counts();
        return counts.active === 2 && counts.waiting === 3;
      });
      release.open();
      await waitFor(() => done === 5, 10_000, 'all jobs handled');
      expect(peak).toBe(2);
    });

    it('delivers a failed job again after a delay, up to maxDeliveries', async () => {
      await open({ maxDeliveries: 3 });
      const deliveries: Record<string, number[]> = { always: [], once: [] };
      queue.consume((job) => {
        deliveries[job.runId]?.push(job.delivery);
        if (job.runId === 'always' || job.delivery === 1) {
          return Promise.reject(new Error(`boom ${job.runId}`));
        }
        return Promise.resolve();
      });
      await queue.enqueue('always');
      await queue.enqueue('once');
      await waitFor(
        () => deliveries['always']?.length === 3 && deliveries['once']?.length === 2,
        15_000,
        'redeliveries',
      );
      await waitFor(async () => {
        const counts = await queue.counts();
        return counts.active === 0 && counts.waiting === 0;
      });
      expect(deliveries).toEqual({ always: [1, 2, 3], once: [1, 2] });
      expect(
        errors.some((error) => error instanceof Error && error.message === 'boom always'),
      ).toBe(true);
      // Dropped for good: it can be queued again as a new job.
      await queue.enqueue('always');
      await waitFor(() => deliveries['always']?.length === 4);
      expect(deliveries['always']?.[3]).toBe(1);
    });

    it('removes a waiting job, but not one being handled', async () => {
      await open();
      await queue.enqueue('keep');
      await queue.enqueue('drop');
      expect(await queue.remove('drop')).toBe(true);
      expect(await queue.remove('drop')).toBe(false);
      expect(await queue.remove('never-queued')).toBe(false);
      const handled: string[] = [];
      const blocker = gate();
      queue.consume(async (job) => {
        handled.push(job.runId);
        await blocker.promise;
      });
      await waitFor(() => handled.length === 1);
      expect(await queue.remove('keep')).toBe(false);
      blocker.open();
      await queue.enqueue('last');
      await waitFor(() => handled.length === 2);
      expect(handled).toEqual(['keep', 'last']);
    });

    it('shares the jobs among consumers, each job handled once', async () => {
      await open();
      const handled: string[] = [];
      const handler = async (job: RunJob): Promise<void> => {
        handled.push(job.runId);
        await new Promise((resolve) => setTimeout(resolve, 2));
      };
      queue.consume(handler, { concurrency: 2 });
      queue.consume(handler, { concurrency: 3 });
      const ids = Array.from({ length: 40 }, (_, index) => `s${index}`);
      await Promise.all(ids.map((id) => queue.enqueue(id)));
      await waitFor(() => handled.length >= ids.length, 15_000, 'all jobs handled');
      await queue.enqueue('sentinel');
      await waitFor(() => handled.includes('sentinel'));
      expect([...handled].sort()).toEqual([...ids, 'sentinel'].sort());
    });

    it('closes a consumer gracefully: handlers in progress finish, no new job starts', async () => {
      await open();
      const blocker = gate();
      const handled: string[] = [];
      let finished = 0;
      const consumer = queue.consume(async (job) => {
        handled.push(job.runId);
        await blocker.promise;
        finished += 1;
      });
      await queue.enqueue('busy');
      await waitFor(() => handled.length === 1);
      let closed = false;
      const closing = consumer.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      blocker.open();
      await closing;
      expect(finished).toBe(1);
      await queue.enqueue('later');
      const second: string[] = [];
      queue.consume((job) => {
        second.push(job.runId);
        return Promise.resolve();
      });
      await waitFor(() => second.length === 1);
      expect(handled).toEqual(['busy']);
      expect(second).toEqual(['later']);
    });

    it('rejects bad run ids, and any work once closed', async () => {
      await open();
      await expectCode(queue.enqueue(''), 'INVALID_RUN_ID');
      await expectCode(queue.enqueue('x'.repeat(201)), 'INVALID_RUN_ID');
      await expectCode(queue.enqueue('line\nbreak'), 'INVALID_RUN_ID');
      await queue.close();
      await queue.close();
      await expectCode(queue.enqueue('late'), 'QUEUE_CLOSED');
      expect(() => queue.consume(() => Promise.resolve())).toThrow(/closed/);
    });
  });
}
