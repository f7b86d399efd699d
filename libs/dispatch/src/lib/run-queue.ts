/** One delivery of a queued run to a consumer. */
export interface RunJob {
  /** The run to execute; the job carries nothing else (the run is a record before it is a job). */
  runId: string;
  /** 1 for the first delivery; more after a failed handler or a consumer that died mid-job. */
  delivery: number;
}

/**
 * Handles one job. Resolving acks it (the job is done and forgotten); rejecting fails it (it is
 * delivered again after a delay, up to `maxDeliveries`). A handler must tolerate duplicates: claim
 * the run in the RunStore first and ack without running when the claim is refused.
 */
export type RunJobHandler = (job: RunJob) => Promise<void>;

/** Options of `RunQueue.consume`. */
export interface ConsumeOptions {
  /** Jobs this consumer handles at once; default 1. */
  concurrency?: number;
}

/** A consumer started by `RunQueue.consume`. */
export interface RunConsumer {
  /** Resolves once the consumer is connected and taking jobs (for health checks and tests). */
  ready(): Promise<void>;
  /** Stops taking jobs and waits for the handlers in progress to settle (graceful shutdown). */
  close(): Promise<void>;
}

/** How many jobs a queue holds. */
export interface RunQueueCounts {
  /** Waiting for a consumer (including failed jobs waiting for their next delivery). */
  waiting: number;
  /** Being handled right now. */
  active: number;
}

/** Options of `RunQueue.enqueue`. */
export interface EnqueueOptions {
  /**
   * The attempt the job is for (the run's attempt + 1; default 1). Each attempt is a job of its
   * own, so a retry of a lost run is queued even while the lost attempt's job is still held by its
   * dead consumer; enqueueing the same attempt again stays a no-op.
   */
  attempt?: number;
}

/** The queue's job id of a run's attempt: the run id for the first, `<runId>.attempt-<n>` after. */
export function jobIdOf(runId: string, attempt = 1): string {
  return attempt > 1 ? `${runId}.attempt-${Math.floor(attempt)}` : runId;
}

/**
 * Port for dispatching runs to workers. `enqueue(runId)` is idempotent while the job is pending
 * (waiting or being handled): enqueueing the same id again is a no-op. Delivery is at least once.
 */
export interface RunQueue {
  /** Queues a run; a no-op when that run's job is already pending. Throws QUEUE_UNAVAILABLE fast. */
  enqueue(runId: string, options?: EnqueueOptions): Promise<void>;
  /** Takes a run's waiting first-attempt job out (cancel before start); false when it is being handled or unknown. */
  remove(runId: string): Promise<boolean>;
  /** Starts handling jobs with `handler`; several consumers may share a queue. */
  consume(handler: RunJobHandler, options?: ConsumeOptions): RunConsumer;
  /** Waiting and active jobs (for metrics). */
  counts(): Promise<RunQueueCounts>;
  /** Closes the consumers started here (waiting for their handlers) and the producer. */
  close(): Promise<void>;
}

/** Options shared by every RunQueue adapter. */
export interface RunQueueOptions {
  /** Deliveries of a job before it is dropped (a handler that keeps failing); default 3. */
  maxDeliveries?: number;
  /** Delay before delivering a failed job again (doubled each time); default 1000 ms. */
  retryDelayMs?: number;
  /** Errors that no caller can receive: handler failures, connection trouble. Default: ignored. */
  onError?: (error: unknown) => void;
}
