import { waitFor } from '../../test/redis-test-keys';
import { InProcessRunQueue } from './in-process-run-queue';
import { describeRunQueueContract } from './run-queue.contract';

describeRunQueueContract('in-process', {
  create: (options) => Promise.resolve(new InProcessRunQueue(options)),
});

describe('InProcessRunQueue', () => {
  it('works with default options and forgets pending retries when closed', async () => {
    const queue = new InProcessRunQueue({ maxDeliveries: 2, retryDelayMs: 60_000 });
    let calls = 0;
    const consumer = queue.consume(() => {
      calls += 1;
      return Promise.reject(new Error('no'));
    });
    await consumer.ready();
    await queue.enqueue('a');
    await waitFor(() => calls === 1);
    await waitFor(async () => (await queue.counts()).active === 0);
    expect(await queue.counts()).toEqual({ waiting: 1, active: 0 });
    expect(await queue.remove('a')).toBe(true);
    await queue.enqueue('b');
    await waitFor(() => calls === 2);
    await queue.close(); // clears b's retry timer: nothing keeps the process alive

    const plain = new InProcessRunQueue();
    const seen: string[] = [];
    plain.consume((job) => {
      seen.push(job.runId);
      return Promise.resolve();
    });
    await plain.enqueue('x');
    await waitFor(() => seen.length === 1);
    await plain.close();
  });

  it('handles a synchronous throw like a failure', async () => {
    const errors: unknown[] = [];
    const queue = new InProcessRunQueue({
      maxDeliveries: 1,
      onError: (error) => errors.push(error),
    });
    queue.consume(() => {
      throw new Error('sync');
    });
    await queue.enqueue('s');
    await waitFor(() => errors.length === 1);
    await waitFor(async () => (await queue.counts()).active === 0);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0 });
    await queue.close();
  });
});
