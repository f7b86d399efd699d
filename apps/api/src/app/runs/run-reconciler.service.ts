import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  EventRelay,
  RedisStreamEventSink,
  WebhookEventSink,
  type RunEventSink,
} from '@runbooks/dispatch';
import type { AdvisoryLock, Run } from '@runbooks/history';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RunbookCatalog } from '../runbooks/runbook-catalog.service';
import type { Dispatch } from './dispatch.provider';
import { RunService } from './run.service';
import { RunStoreHolder } from './run-store.provider';

/** Name of the PostgreSQL advisory lock held by the reconciler leader. */
export const RECONCILER_LOCK = 'runbooks:reconciler';
/** A queued run older than this with no sign of progress is queued again (a no-op if its job exists). */
const REQUEUE_AFTER_MS = 30_000;
/**
 * Slack past a run's deadline (script timeout + kill grace) before the leader steps in: a live
 * worker settles its own timed-out run well within it, so the leader only acts when the worker
 * is gone or frozen. It also absorbs small clock differences between machines.
 */
const DEADLINE_SLACK_SECONDS = 5;
const PAGE = 500;

/**
 * Distributed mode only. Every process competes for one advisory lock; the leader, each tick:
 * re-enqueues stuck `queued` runs, marks `running` runs whose worker stopped heart-beating
 * `lost`, enforces deadlines of runs whose worker vanished, and relays the outbox to the Redis
 * Stream `runs.events` (and the optional webhook). Losing the lock stops all of that.
 */
@Injectable()
export class RunReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconciler');
  private timer: NodeJS.Timeout | null = null;
  private lock: AdvisoryLock | null = null;
  private relay: EventRelay | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly holder: RunStoreHolder,
    private readonly runs: RunService,
    private readonly metrics: MetricsService,
    private readonly catalog: RunbookCatalog,
  ) {}

  /** True while this process is the leader. */
  get isLeader(): boolean {
    return this.lock?.isHeld === true;
  }

  onApplicationBootstrap(): void {
    const dispatch = this.runs.distributed;
    if (!dispatch) return;
    this.metrics.reconcilerLeader.set(0);
    const everyMs = dispatch.settings.reconcileIntervalSeconds * 1000;
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick(dispatch)
        .catch((error: unknown) => this.logger.warn(`Reconcile failed: ${String(error)}`))
        .finally(() => {
          this.ticking = null;
          if (!this.stopped) this.timer = setTimeout(loop, everyMs);
        });
    };
    this.timer = setTimeout(loop, Math.min(everyMs, 1000));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.resign();
  }

  /** One round: make sure of the leadership, then reconcile. */
  async tick(dispatch: Dispatch): Promise<void> {
    if (!(await this.lead(dispatch))) return;
    const now = Date.now();
    await this.requeueStuck(dispatch, now);
    // Deadlines first: a run past its deadline whose worker also vanished is a `timeout`.
    await this.enforceDeadlines(dispatch, now);
    await this.markLost(dispatch, now);
  }

  private async lead(dispatch: Dispatch): Promise<boolean> {
    const store = this.holder.postgresStore;
    if (!store) return false;
    if (this.lock && !(await this.lock.check())) await this.resign();
    if (!this.lock) {
      const lock = await store.tryAdvisoryLock(RECONCILER_LOCK);
      if (!lock) return false;
      this.lock = lock;
      this.metrics.reconcilerLeader.set(1);
      this.logger.log('This process is now the reconciler leader');
      void lock.lost.then(() => {
        if (this.lock === lock) void this.resign();
      });
      this.startRelay(dispatch);
    }
    return true;
  }

  private async resign(): Promise<void> {
    const lock = this.lock;
    const relay = this.relay;
    this.lock = null;
    this.relay = null;
    if (lock) this.metrics.reconcilerLeader.set(0);
    if (relay) await relay.stop({ closeSinks: true }).catch(() => undefined);
    if (lock) {
      await lock.release().catch(() => undefined);
      this.logger.log('No longer the reconciler leader');
    }
  }

  private startRelay(dispatch: Dispatch): void {
    const store = this.holder.postgresStore;
    if (!store || this.relay) return;
    const onError = (error: unknown) => this.logger.warn(`Event relay: ${String(error)}`);
    const sinks: RunEventSink[] = [
      new RedisStreamEventSink({
        connection: dispatch.settings.redisUrl,
        stream: dispatch.settings.eventsStream,
        onError,
      }),
    ];
    if (dispatch.settings.webhookUrl) {
      sinks.push(
        new WebhookEventSink({
          url: dispatch.settings.webhookUrl,
          secret: dispatch.settings.webhookSecret,
        }),
      );
    }
    this.relay = new EventRelay({ source: store, sinks, onError });
    this.relay.start();
  }

  /** Queued runs without progress for a while: queue them again (no-op when their job exists). */
  private async requeueStuck(dispatch: Dispatch, now: number): Promise<void> {
    const stuck = await this.holder.store.listByStatus(['queued'], {
      heartbeatBefore: new Date(now - REQUEUE_AFTER_MS),
      limit: PAGE,
    });
    for (const run of stuck) {
      const queue = run.recursionStack.length > 1 ? dispatch.nestedQueue : dispatch.queue;
      await queue.enqueue(run.id, { attempt: run.attempt + 1 }).catch(() => undefined);
    }
  }

  /** Running runs whose worker stopped heart-beating: `lost` (the worker's scripts died with it). */
  private async markLost(dispatch: Dispatch, now: number): Promise<void> {
    const silentFor = dispatch.settings.lostAfterSeconds;
    const stale = await this.holder.store.listByStatus(['running'], {
      heartbeatBefore: new Date(now - silentFor * 1000),
      limit: PAGE,
    });
    for (const run of stale) {
      const reason = `The worker running attempt ${run.attempt} stopped (no heartbeat for ${silentFor} s)`;
      if (await this.retry(dispatch, run, reason)) continue;
      await this.settle(dispatch, run, 'lost', { errors: [...run.errors, reason] });
    }
  }

  /**
   * A lost run of a runbook whose Retry Policy allows another attempt goes back to the queue (a
   * frozen worker that comes back is fenced out at its next heartbeat). True when requeued.
   */
  private async retry(dispatch: Dispatch, run: Run, reason: string): Promise<boolean> {
    const maxAttempts = await this.maxAttemptsOf(run.runbook);
    if (run.attempt >= maxAttempts) return false;
    const outcome = await this.holder.store.requeue(run.id, run.attempt, {
      errors: [
        ...run.errors,
        `${reason}; queued again for attempt ${run.attempt + 1} of ${maxAttempts}`,
      ],
    });
    if (!outcome.applied) return false;
    this.logger.warn(
      `Run ${run.id} of ${run.runbook} lost attempt ${run.attempt}; queued again (Retry Policy: ${maxAttempts} attempts)`,
    );
    this.metrics.retries.inc({ runbook: run.runbook });
    const queue = run.recursionStack.length > 1 ? dispatch.nestedQueue : dispatch.queue;
    // A job of its own (the lost attempt's job may still be held); if Redis fails here,
    // requeueStuck queues it on a later round.
    await queue.enqueue(run.id, { attempt: run.attempt + 1 }).catch(() => undefined);
    return true;
  }

  /** The runbook's Retry Policy attempts; 1 when it has none or cannot be read any more. */
  private async maxAttemptsOf(filename: string): Promise<number> {
    const entry = await this.catalog.get(filename).catch(() => null);
    return entry?.parsed.runbook.retryPolicy?.maxAttempts ?? 1;
  }

  /**
   * Runs past their deadline (script timeout + kill grace + slack) that no worker settled, because
   * it vanished or froze: `timeout`, and a cancel in case the worker comes back.
   */
  private async enforceDeadlines(dispatch: Dispatch, now: number): Promise<void> {
    const graceSeconds =
      this.config.killGraceSeconds +
      DEADLINE_SLACK_SECONDS +
      dispatch.settings.reconcileIntervalSeconds;
    const overdue = await this.holder.store.listByStatus(['running'], {
      startedBefore: new Date(now - (this.config.scriptTimeoutSeconds + graceSeconds) * 1000),
      limit: PAGE,
    });
    for (const run of overdue) {
      const settled = await this.settle(dispatch, run, 'timeout', {
        errors: [...run.errors, 'The run passed its deadline and was stopped'],
      });
      if (settled)
        await dispatch.cancel
          .request({ runId: run.id, requestedBy: 'system', reason: 'deadline passed' })
          .catch(() => undefined);
    }
  }

  private async settle(
    dispatch: Dispatch,
    run: Run,
    status: 'lost' | 'timeout',
    patch: { errors: string[] },
  ): Promise<boolean> {
    const outcome = await this.holder.store.transition(run.id, run.attempt, ['running'], status, {
      ...patch,
      returnCode: status === 'timeout' ? -9 : null,
    });
    if (!outcome.applied || !outcome.run) return false;
    this.logger.warn(`Run ${run.id} of ${run.runbook} is now ${status}`);
    this.metrics.runs.inc({ runbook: run.runbook, status });
    await dispatch.bus
      .complete(run.id, this.runs.resultFromRecord(outcome.run))
      .catch(() => undefined);
    return true;
  }
}
