import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { prepareSpawnHost } from '@runbooks/executor';
import type { RunConsumer, RunJob } from '@runbooks/dispatch';
import type { Run } from '@runbooks/history';

import { MetricsService } from '../metrics/metrics.service';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { RunLifecycle } from './run-lifecycle.service';
import { RUN_PORTS, WORKER_ID, type RunPorts, type WorkerSettings } from './run-ports';
import { entrySha256 } from './runbook-digest';
import { ScriptRunner, type RunControl } from './script-runner.service';
import { ScheduledOverlapGate } from './scheduled-overlap-gate';

/** How often the queue backlog gauge is refreshed. */
const QUEUE_COUNTS_MS = 5_000;

/** How long a new run's submission may take to store its details (see isBeingSubmitted). */
const SUBMISSION_GRACE_MS = 60_000;
/** Safety net: how often a worker reviews the Concurrency waiting line on its own. */
const WAITING_REVIEW_MS = 2_000;

/** A run this process executes until it finishes. */
interface ActiveRun extends RunControl {
  finished: Promise<void>;
}

/**
 * Takes jobs from the two run queues (top-level and sub-runbook runs), claims each run through the
 * lifecycle (a duplicate delivery gets nothing and is acked), runs it with a cancel watch, and
 * settles it; on shutdown it stops taking jobs, drains, and cancels what outlives the grace.
 */
@Injectable()
export class RunWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Runs');
  private readonly active = new Map<string, ActiveRun>();
  private consumers: RunConsumer[] = [];
  private closingConsumers: Promise<unknown> | null = null;
  private countsTimer: NodeJS.Timeout | null = null;
  private reviewTimer: NodeJS.Timeout | null = null;
  private accepting = true;

  constructor(
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    @Inject(WORKER_ID) private readonly workerId: string,
    private readonly lifecycle: RunLifecycle,
    private readonly runner: ScriptRunner,
    private readonly catalog: RunbookCatalog,
    private readonly metrics: MetricsService,
    private readonly overlap: ScheduledOverlapGate,
  ) {}

  onApplicationBootstrap(): void {
    // runbook_queued_runs: the jobs waiting in the queues (in the distributed mode, the cluster's).
    this.countsTimer = setInterval(() => this.refreshQueueGauge(), QUEUE_COUNTS_MS);
    this.countsTimer.unref();
    const worker = this.ports.worker;
    if (!worker) return;
    // Scripts are spawned from a small helper process; start it before the first run needs it.
    void prepareSpawnHost();
    // Endings wake waiting runs at once; this catches a wake lost with a process that died.
    this.reviewTimer = setInterval(() => void this.lifecycle.wakeWaiting(), WAITING_REVIEW_MS);
    this.reviewTimer.unref();
    const handler = (job: RunJob) => this.handle(job, worker);
    this.consumers = [
      this.ports.queue.consume(handler, { concurrency: worker.concurrency }),
      this.ports.nestedQueue.consume(handler, { concurrency: worker.nestedConcurrency }),
    ];
    this.logger.log(`Worker ${this.workerId} takes runs (concurrency ${worker.concurrency})`);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.countsTimer) clearInterval(this.countsTimer);
    if (this.reviewTimer) clearInterval(this.reviewTimer);
    this.stopAccepting();
    await this.closingConsumers;
  }

  /** Updates the queued-runs gauge now (after a submission, a start or an end). */
  refreshQueueGauge(): void {
    void Promise.all([this.ports.queue.counts(), this.ports.nestedQueue.counts()])
      .then(([top, nested]) => this.metrics.queuedRuns.set(top.waiting + nested.waiting))
      .catch(() => undefined);
  }

  /** Stops taking jobs (shutdown); runs in progress go on. */
  stopAccepting(): void {
    this.accepting = false;
    this.closingConsumers ??= Promise.allSettled(this.consumers.map((c) => c.close()));
  }

  /** Number of runs this process is executing. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Waits until no run is active or the time is up; true when drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.active.size > 0 && Date.now() < deadline) await delay(100);
    return this.active.size === 0;
  }

  /** Cancels every active run (shutdown after the grace period) and waits for them to settle. */
  async cancelAll(reason: string): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) stop(run, 'system', reason);
    await Promise.allSettled(runs.map((run) => run.finished));
  }

  private async handle(job: RunJob, worker: WorkerSettings): Promise<void> {
    if (!this.accepting) throw new Error('This worker is shutting down');
    // Read the details before claiming: if the read fails the job is delivered again later and
    // the run stays queued, instead of failing a run that was already claimed.
    // A scheduled run under `overlap: queue` waits for the earlier one: its job is dropped and
    // the scheduler queues it again when its turn comes.
    if (await this.overlap.mustWait(job.runId)) return;
    const details = await this.ports.requests.get(job.runId);
    if (!details && (await this.isBeingSubmitted(job.runId))) return;
    const claimed = await this.lifecycle.claim(job.runId, this.workerId);
    if (!claimed) return;
    let done: () => void = () => undefined;
    const active: ActiveRun = {
      abort: new AbortController(),
      canceledBy: null,
      cancelReason: null,
      finished: new Promise<void>((resolve) => (done = resolve)),
    };
    this.track(claimed.id, active);
    const watch = await this.ports.cancel
      .watch(claimed.id, (request) => stop(active, request.requestedBy, request.reason))
      .catch(() => null);
    try {
      if (!details) throw new Error('the request details of this run expired before it started');
      const entry = await this.catalog.get(claimed.runbook);
      // What was approved is exactly what runs: an edit between the approval and the start
      // (another instance, a slow queue) stops the run here.
      if (claimed.approval && entrySha256(entry) !== claimed.runbookSha256)
        throw new Error('the runbook changed since the run was approved; it was not started');
      await this.runner.run({ run: claimed, details, entry, control: active }, worker);
    } catch (error) {
      await this.crashed(claimed, error);
    } finally {
      await watch?.close().catch(() => undefined);
      // A run requeued for a retry while this worker was away still needs its details.
      const current = await this.lifecycle.current(claimed.id).catch(() => null);
      if (current?.status !== 'queued') await this.ports.requests.delete(claimed.id);
      this.untrack(claimed.id);
      done();
    }
  }

  /**
   * A run queued by its waiting line while its submission is still storing its details (a slot
   * freed in between): its submission queues it again, so this delivery leaves it alone.
   */
  private async isBeingSubmitted(runId: string): Promise<boolean> {
    const run = await this.lifecycle.current(runId);
    return (
      run !== null &&
      run.status === 'queued' &&
      run.attempt === 0 &&
      run.slots.length > 0 &&
      Date.now() - Date.parse(run.createdAt) < SUBMISSION_GRACE_MS
    );
  }

  private track(runId: string, active: ActiveRun): void {
    this.active.set(runId, active);
    this.metrics.activeRuns.set(this.active.size);
    this.refreshQueueGauge();
  }

  private untrack(runId: string): void {
    this.active.delete(runId);
    this.metrics.activeRuns.set(this.active.size);
    this.refreshQueueGauge();
  }

  /** Something failed around the script (not the script itself): the run fails, saying why. */
  private async crashed(run: Run, error: unknown): Promise<void> {
    const message = `Run failed inside the server: ${error instanceof Error ? error.message : String(error)}`;
    this.logger.error(message);
    await this.lifecycle
      .settle(run, {
        status: 'failure',
        from: ['running'],
        patch: { returnCode: 1, errors: [message] },
        reason: message,
      })
      .catch(() => undefined);
  }
}

function stop(run: RunControl, by: string, reason: string | null): void {
  run.canceledBy = by || 'unknown';
  run.cancelReason = reason;
  run.abort.abort();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
