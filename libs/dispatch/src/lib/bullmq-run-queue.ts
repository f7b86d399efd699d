import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { assertRunId, DispatchError, isDispatchError } from './dispatch-error';
import {
  closeRedisClient,
  createFastRedisClient,
  DISCONNECT_TIMEOUT_MS,
  reconnectDelay,
  whenReady,
  withTimeout,
} from './redis-connection';
import type { RedisConnection } from './redis-connection';
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

/** Options of `BullmqRunQueue`. */
export interface BullmqRunQueueOptions extends RunQueueOptions {
  /** Redis URL or ioredis options. */
  connection: RedisConnection;
  /** BullMQ queue name; default `runs`. */
  queueName?: string;
  /** Prefix of every BullMQ key; default `runbooks`. */
  prefix?: string;
  /** How long `enqueue` may take before it fails with QUEUE_UNAVAILABLE; default 1000 ms. */
  producerTimeoutMs?: number;
  /** Lock of a job being handled (renewed while the handler runs); default 30 000 ms. */
  lockDurationMs?: number;
  /** How often consumers look for jobs whose consumer died; default 30 000 ms. */
  stalledIntervalMs?: number;
  /** Times a job may lose its consumer before it is dropped; default 1. */
  maxStalledCount?: number;
}

/**
 * RunQueue on BullMQ (Redis). The job id is the run id, so enqueueing a pending run again is a
 * no-op. Producers never wait for Redis: `enqueue` fails within `producerTimeoutMs` with
 * QUEUE_UNAVAILABLE. Consumers are BullMQ workers; a consumer process that dies has its jobs
 * delivered again once their lock expires (the RunStore's claim fences the duplicate).
 */
export class BullmqRunQueue implements RunQueue {
  private readonly producer: Redis;
  private readonly queue: Queue;
  private readonly workers = new Set<Worker>();
  private readonly queueName: string;
  private readonly prefix: string;
  private readonly producerTimeoutMs: number;
  private readonly maxDeliveries: number;
  private readonly retryDelayMs: number;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  constructor(private readonly options: BullmqRunQueueOptions) {
    this.queueName = options.queueName ?? 'runs';
    this.prefix = options.prefix ?? 'runbooks';
    this.producerTimeoutMs = Math.max(1, options.producerTimeoutMs ?? 1000);
    this.maxDeliveries = Math.max(1, Math.floor(options.maxDeliveries ?? 3));
    this.retryDelayMs = Math.max(0, options.retryDelayMs ?? 1000);
    this.onError = options.onError ?? (() => undefined);
    this.producer = createFastRedisClient(options.connection, this.producerTimeoutMs);
    this.producer.on('error', (error) => this.onError(error));
    // The version check would query Redis once at creation and, if Redis was down then, leave
    // the queue unusable for good; skipping it keeps a producer created during an outage alive.
    this.queue = new Queue(this.queueName, {
      connection: this.producer,
      prefix: this.prefix,
      skipVersionCheck: true,
      skipWaitingForReady: true,
    });
    this.queue.on('error', (error) => this.onError(error));
  }

  async enqueue(runId: string, options: EnqueueOptions = {}): Promise<void> {
    this.assertOpen();
    assertRunId(runId);
    await this.produce(() =>
      this.queue.add(
        'run',
        { runId },
        {
          jobId: jobIdOf(runId, options.attempt),
          attempts: this.maxDeliveries,
          backoff: { type: 'exponential', delay: this.retryDelayMs },
          removeOnComplete: true,
          removeOnFail: true,
        },
      ),
    );
  }

  async remove(runId: string): Promise<boolean> {
    this.assertOpen();
    return this.produce(async () => {
      const state = await this.queue.getJobState(runId);
      if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
      return (await this.queue.remove(runId)) === 1;
    });
  }

  consume(handler: RunJobHandler, options: ConsumeOptions = {}): RunConsumer {
    this.assertOpen();
    const worker = new Worker(
      this.queueName,
      async (job: Job<{ runId?: unknown }>) => {
        const runId = typeof job.data.runId === 'string' ? job.data.runId : String(job.id);
        // attemptsStarted also counts a start whose consumer died (a stalled job delivered again).
        await handler({ runId, delivery: Math.max(job.attemptsStarted, job.attemptsMade + 1) });
      },
      {
        connection: workerConnection(this.options.connection),
        prefix: this.prefix,
        concurrency: Math.max(1, Math.floor(options.concurrency ?? 1)),
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        maxStalledCount: this.options.maxStalledCount ?? 1,
      },
    );
    worker.on('error', (error) => this.onError(error));
    worker.on('failed', (_job, error) => this.onError(error));
    this.workers.add(worker);
    return {
      ready: async () => {
        await worker.waitUntilReady();
      },
      close: async () => {
        this.workers.delete(worker);
        await worker.close();
      },
    };
  }

  async counts(): Promise<RunQueueCounts> {
    this.assertOpen();
    const counts = await this.produce(() =>
      this.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active'),
    );
    const count = (name: string): number => counts[name] ?? 0;
    return {
      waiting: count('waiting') + count('delayed') + count('prioritized'),
      active: count('active'),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.workers].map((worker) => worker.close()));
    this.workers.clear();
    await this.queue.close().catch(() => undefined);
    await closeRedisClient(this.producer);
  }

  /** Runs a producer command within the timeout; any failure is QUEUE_UNAVAILABLE. */
  private async produce<T>(command: () => Promise<T>): Promise<T> {
    await whenReady(this.producer, this.producerTimeoutMs, 'QUEUE_UNAVAILABLE', 'The run queue');
    try {
      return await withTimeout(command(), this.producerTimeoutMs);
    } catch (error) {
      if (isDispatchError(error)) throw error;
      throw new DispatchError(
        'QUEUE_UNAVAILABLE',
        `The run queue is unavailable: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DispatchError('QUEUE_CLOSED', 'The run queue is closed.');
  }
}

/** Workers block on Redis and must wait out outages: BullMQ wants `maxRetriesPerRequest: null`. */
function workerConnection(connection: RedisConnection): Record<string, unknown> {
  const patient = {
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
  };
  return typeof connection === 'string'
    ? { url: connection, ...patient }
    : { ...connection, ...patient };
}
