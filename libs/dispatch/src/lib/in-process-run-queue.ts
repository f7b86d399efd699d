import { assertRunId, DispatchError } from './dispatch-error';
import {
  jobIdOf,
  type ConsumeOptions,
  type EnqueueOptions,
  type RunConsumer,
  type RunJobHandler,
  type RunQueue,
  type RunQueueCounts,
  type RunQueueOptions,
} from './run-queue';

interface Consumer {
  handler: RunJobHandler;
  concurrency: number;
  running: number;
  closed: boolean;
  idle: Set<() => void>;
}

type JobState = { runId: string; delivery: number } & (
  { state: 'waiting' } | { state: 'delayed'; timer: NodeJS.Timeout } | { state: 'active' }
);

/**
 * The embedded RunQueue: FIFO in this process, each consumer limited to its concurrency. Needs no
 * server; jobs live as long as the process (the RunStore keeps the runs themselves).
 */
export class InProcessRunQueue implements RunQueue {
  private readonly waiting: string[] = [];
  private readonly jobs = new Map<string, JobState>();
  private readonly consumers: Consumer[] = [];
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private readonly onError: (error: unknown) => void;
  private nextConsumer = 0;
  private closed = false;

  constructor(options: RunQueueOptions = {}) {
    this.maxDeliveries = Math.max(1, Math.floor(options.maxDeliveries ?? 3));
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 1000);
    this.onError = options.onError ?? (() => undefined);
  }

  enqueue(runId: string, options: EnqueueOptions = {}): Promise<void> {
    try {
      this.assertOpen();
      assertRunId(runId);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const jobId = jobIdOf(runId, options.attempt);
    if (!this.jobs.has(jobId)) {
      this.jobs.set(jobId, { runId, state: 'waiting', delivery: 1 });
      this.waiting.push(jobId);
      this.pump();
    }
    return Promise.resolve();
  }

  remove(runId: string): Promise<boolean> {
    const job = this.jobs.get(runId);
    if (job === undefined || job.state === 'active') return Promise.resolve(false);
    if (job.state === 'delayed') clearTimeout(job.timer);
    else this.waiting.splice(this.waiting.indexOf(runId), 1);
    this.jobs.delete(runId);
    return Promise.resolve(true);
  }

  consume(handler: RunJobHandler, options: ConsumeOptions = {}): RunConsumer {
    this.assertOpen();
    const consumer: Consumer = {
      handler,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
      running: 0,
      closed: false,
      idle: new Set(),
    };
    this.consumers.push(consumer);
    this.pump();
    return { ready: () => Promise.resolve(), close: () => this.closeConsumer(consumer) };
  }

  counts(): Promise<RunQueueCounts> {
    let active = 0;
    for (const job of this.jobs.values()) if (job.state === 'active') active += 1;
    return Promise.resolve({ waiting: this.jobs.size - active, active });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.jobs.values()) if (job.state === 'delayed') clearTimeout(job.timer);
    await Promise.all(this.consumers.map((consumer) => this.closeConsumer(consumer)));
  }

  private async closeConsumer(consumer: Consumer): Promise<void> {
    consumer.closed = true;
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
    if (consumer.running === 0) return;
    await new Promise<void>((resolve) => consumer.idle.add(resolve));
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      const consumer = this.freeConsumer();
      if (consumer === null) return;
      const jobId = this.waiting.shift() as string;
      const job = this.jobs.get(jobId);
      if (job === undefined) continue;
      this.jobs.set(jobId, { runId: job.runId, state: 'active', delivery: job.delivery });
      void this.handle(consumer, jobId, job.runId, job.delivery);
    }
  }

  /** The next consumer (round robin) with a free slot, or null. */
  private freeConsumer(): Consumer | null {
    for (let offset = 0; offset < this.consumers.length; offset += 1) {
      const index = (this.nextConsumer + offset) % this.consumers.length;
      const consumer = this.consumers[index];
      if (consumer !== undefined && !consumer.closed && consumer.running < consumer.concurrency) {
        this.nextConsumer = index + 1;
        return consumer;
      }
    }
    return null;
  }

  private async handle(
    consumer: Consumer,
    jobId: string,
    runId: string,
    delivery: number,
  ): Promise<void> {
    consumer.running += 1;
    try {
      await consumer.handler({ runId, delivery });
      this.jobs.delete(jobId);
    } catch (error) {
      this.onError(error);
      this.retry(jobId, runId, delivery);
    } finally {
      consumer.running -= 1;
      if (consumer.running === 0) {
        for (const resolve of consumer.idle) resolve();
        consumer.idle.clear();
      }
      this.pump();
    }
  }

  private retry(jobId: string, runId: string, delivery: number): void {
    if (delivery >= this.maxDeliveries || this.closed) {
      this.jobs.delete(jobId);
      return;
    }
    const delayMs = this.retryDelayMs * 2 ** (delivery - 1);
    const timer = setTimeout(() => {
      this.jobs.set(jobId, { runId, state: 'waiting', delivery: delivery + 1 });
      this.waiting.push(jobId);
      this.pump();
    }, delayMs);
    this.jobs.set(jobId, { runId, state: 'delayed', timer, delivery: delivery + 1 });
  }

  private assertOpen(): void {
    if (this.closed) throw new DispatchError('QUEUE_CLOSED', 'The run queue is closed.');
  }
}
