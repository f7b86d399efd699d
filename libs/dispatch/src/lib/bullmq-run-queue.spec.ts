import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { deleteKeys, listKeys, REDIS_URL, uniquePrefix, waitFor } from '../../test/redis-test-keys';
import { PrivateRedis } from '../../test/redis-server';
import { BullmqRunQueue } from './bullmq-run-queue';
import { isDispatchError } from './dispatch-error';
import { describeRunQueueContract } from './run-queue.contract';

let prefix = uniquePrefix('queue');

describeRunQueueContract('BullMQ', {
  create: (options) => {
    prefix = uniquePrefix('queue');
    return Promise.resolve(
      new BullmqRunQueue({ ...options, connection: REDIS_URL, prefix: prefix.slice(0, -1) }),
    );
  },
  cleanup: async () => {
    await deleteKeys(prefix);
  },
});

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const CONSUMER = join(__dirname, '../../test/queue-consumer.ts');

/** Measures how long a promise takes to reject, and with what. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

describe('BullmqRunQueue', () => {
  it('uses the run id as the job id, under its own key prefix, and leaves nothing after a job', async () => {
    const own = uniquePrefix('queue-keys');
    const queue = new BullmqRunQueue({
      connection: REDIS_URL,
      prefix: own.slice(0, -1),
      queueName: 'q',
    });
    try {
      await queue.enqueue('run-42');
      expect(await listKeys(`${own}q:run-42`)).toEqual([`${own}q:run-42`]);
      const seen: string[] = [];
      const consumer = queue.consume((job) => {
        seen.push(job.runId);
        return Promise.resolve();
      });
      await consumer.ready();
      await waitFor(() => seen.length === 1);
      await waitFor(async () => (await listKeys(`${own}q:run-42`)).length === 0);
    } finally {
      await queue.close();
      await deleteKeys(own);
    }
  });

  it('fails fast with QUEUE_UNAVAILABLE when Redis cannot be reached', async () => {
    const queue = new BullmqRunQueue({
      connection: 'redis://127.0.0.1:6390',
      producerTimeoutMs: 500,
    });
    try {
      const first = await rejection(queue.enqueue('nowhere'));
      expect(isDispatchError(first.error, 'QUEUE_UNAVAILABLE')).toBe(true);
      expect(first.ms).toBeLessThan(1500);
      const again = await rejection(queue.enqueue('nowhere'));
      expect(isDispatchError(again.error, 'QUEUE_UNAVAILABLE')).toBe(true);
      expect(again.ms).toBeLessThan(1500);
      const counts = await rejection(queue.counts());
      expect(isDispatchError(counts.error, 'QUEUE_UNAVAILABLE')).toBe(true);
      const removal = await rejection(queue.remove('nowhere'));
      expect(isDispatchError(removal.error, 'QUEUE_UNAVAILABLE')).toBe(true);
      process.stdout.write(
        `enqueue against a closed port rejected after ${first.ms} ms, then ${again.ms} ms\n`,
      );
    } finally {
      await queue.close();
    }
  });

  it('hands each of 50 jobs to exactly one of two consumer processes', async () => {
    const own = uniquePrefix('queue-mp');
    const name = own.slice(0, -1);
    const children: ChildProcessWithoutNullStreams[] = [];
    const lines: string[][] = [[], []];
    const queue = new BullmqRunQueue({ connection: REDIS_URL, prefix: name });
    try {
      for (const index of [0, 1]) {
        const child = spawn(process.execPath, ['-r', TS_REGISTER, CONSUMER, REDIS_URL, name, '2']);
        children.push(child);
        let buffer = '';
        child.stdout.on('data', (data: Buffer) => {
          buffer += data.toString();
          const parts = buffer.split('\n');
          buffer = parts.pop() ?? '';
          lines[index]?.push(...parts);
        });
      }
      await waitFor(
        () => lines.every((seen) => seen.includes('ready')),
        30_000,
        'both consumers ready',
      );
      const ids = Array.from({ length: 50 }, (_, index) => `mp-${index}`);
      for (const id of ids) await queue.enqueue(id);
      const handled = (): string[] => lines.flat().filter((line) => line !== 'ready');
      await waitFor(() => handled().length >= ids.length, 30_000, 'all 50 jobs handled');
      await Promise.all(
        children.map(
          (child) =>
            new Promise((resolve) => {
              child.once('exit', resolve);
              child.kill('SIGTERM');
            }),
        ),
      );
      expect(children.map((child) => child.exitCode)).toEqual([0, 0]);
      expect([...handled()].sort()).toEqual([...ids].sort());
      const perProcess = lines.map((seen) => seen.filter((line) => line !== 'ready').length);
      expect(perProcess[0]).toBeGreaterThan(0);
      expect(perProcess[1]).toBeGreaterThan(0);
      process.stdout.write(
        `50 jobs split between two consumer processes: ${perProcess.join(' + ')}\n`,
      );
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await queue.close();
      await deleteKeys(own);
    }
  }, 60_000);

  it('delivers the job of a consumer process killed mid-job to another consumer (delivery 2)', async () => {
    const own = uniquePrefix('queue-stall');
    const name = own.slice(0, -1);
    const child = spawn(process.execPath, [
      '-r',
      TS_REGISTER,
      CONSUMER,
      REDIS_URL,
      name,
      '1',
      '1000',
      'stuck',
    ]);
    const lines: string[] = [];
    child.stdout.on('data', (data: Buffer) =>
      lines.push(...data.toString().split('\n').filter(Boolean)),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const queue = new BullmqRunQueue({
      connection: REDIS_URL,
      prefix: name,
      lockDurationMs: 1000,
      stalledIntervalMs: 300,
    });
    try {
      await waitFor(() => lines.includes('ready'), 30_000, 'consumer ready');
      await queue.enqueue('stuck');
      await waitFor(() => lines.includes('started stuck'), 15_000, 'job started');
      child.kill('SIGKILL');
      await exited;
      const deliveries: number[] = [];
      queue.consume((job) => {
        deliveries.push(job.delivery);
        return Promise.resolve();
      });
      await waitFor(() => deliveries.length === 1, 20_000, 'job delivered again');
      expect(deliveries[0]).toBeGreaterThanOrEqual(2);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await queue.close();
      await deleteKeys(own);
    }
  }, 60_000);

  it('survives a Redis crash: fast failures meanwhile, nothing accepted lost or run twice', async () => {
    const redis = await PrivateRedis.start();
    const errors: unknown[] = [];
    const queue = new BullmqRunQueue({
      connection: redis.url,
      producerTimeoutMs: 500,
      onError: (error) => errors.push(error),
    });
    try {
      const accepted = Array.from({ length: 10 }, (_, index) => `before-${index}`);
      for (const id of accepted) await queue.enqueue(id);
      await redis.kill();
      const during = await rejection(queue.enqueue('during-outage'));
      expect(isDispatchError(during.error, 'QUEUE_UNAVAILABLE')).toBe(true);
      expect(during.ms).toBeLessThan(1500);

      await redis.restart();
      await waitFor(
        async () => {
          try {
            await queue.enqueue('after');
            return true;
          } catch {
            return false;
          }
        },
        15_000,
        'producer reconnected',
      );
      const handled: string[] = [];
      queue.consume(
        (job) => {
          handled.push(job.runId);
          return Promise.resolve();
        },
        { concurrency: 4 },
      );
      await waitFor(() => handled.length >= 11, 15_000, 'every accepted job handled');
      await queue.enqueue('sentinel');
      await waitFor(() => handled.includes('sentinel'));
      expect([...handled].sort()).toEqual([...accepted, 'after', 'sentinel'].sort());
    } finally {
      await queue.close();
      await redis.stop();
    }
  }, 60_000);
});
