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
import { PostgresRunStore, type AdvisoryLock, type Run, type RunStore } from '@runbooks/history';

import { APP_CONFIG, type AppConfig, type DistributedConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { RunLifecycle } from './run-lifecycle.service';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';

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
 * Distributed mode only (`run-ports.provider.ts` provides it there). Every process competes for one advisory lock; the leader, each tick:
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
  private readonly store: PostgresRunStore;
  private readonly settings: DistributedConfig;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_STORE) store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly lifecycle: RunLifecycle,
    private readonly metrics: MetricsService,
    private readonly catalog: RunbookCatalog,
  ) {
    if (!(store instanceof PostgresRunStore) || !config.distributed)
      throw new Error('The reconciler needs the distributed mode (PostgreSQL run store)');
    this.store = store;
    this.settings = config.distributed;
  }

  /** True while this process is the leader. */
  get isLeader(): boolean {
    return this.lock?.isHeld === true;
  }

  onApplicationBootstrap(): void {
    this.metrics.reconcilerLeader.set(0);
    const everyMs = this.settings.reconcileIntervalSeconds * 1000;
    const loop = () => {
      if (this.stopped) return;
      this.ticking = this.tick()
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
  async tick(): Promise<void> {
    if (!(await this.lead())) return;
    const now = Date.now();
    await this.requeueStuck(now);
    // Deadlines first: a run past its deadline whose worker also vanished is a `timeout`.
    await this.enforceDeadlines(now);
    await this.markLost(now);
  }

  private async lead(): Promise<boolean> {
    if (this.lock && !(await this.lock.check())) await this.resign();
    if (!this.lock) {
      const lock = await this.store.tryAdvisoryLock(RECONCILER_LOCK);
      if (!lock) return false;
      this.lock = lock;
      this.metrics.reconcilerLeader.set(1);
      this.logger.log('This process is now the reconciler leader');
      void lock.lost.then(() => {
        if (this.lock === lock) void this.resign();
      });
      this.startRelay();
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

  private startRelay(): void {
    if (this.relay) return;
    const settings = this.settings;
    const onError = (error: unknown) => this.logger.warn(`Event relay: ${String(error)}`);
    const sinks: RunEventSink[] = [
      new RedisStreamEventSink({
        connection: settings.redisUrl,
        stream: settings.eventsStream,
        onError,
      }),
    ];
    if (settings.webhookUrl) {
      sinks.push(
        new WebhookEventSink({
          url: settings.webhookUrl,
          secret: settings.webhookSecret,
        }),
      );
    }
    this.relay = new EventRelay({ source: this.store, sinks, onError });
    this.relay.start();
  }

  /** Queued runs without progress for a while: queue them again (no-op when their job exists). */
  private async requeueStuck(now: number): Promise<void> {
    const stuck = await this.store.listByStatus(['queued'], {
      heartbeatBefore: new Date(now - REQUEUE_AFTER_MS),
      limit: PAGE,
    });
    for (const run of stuck) {
      await this.queueOf(run)
        .enqueue(run.id, { attempt: run.attempt + 1 })
        .catch(() => undefined);
    }
  }

  private queueOf(run: Run) {
    return run.recursionStack.length > 1 ? this.ports.nestedQueue : this.ports.queue;
  }

  /** Running runs whose worker stopped heart-beating: `lost` (the worker's scripts died with it). */
  private async markLost(now: number): Promise<void> {
    const silentFor = this.settings.lostAfterSeconds;
    const stale = await this.store.listByStatus(['running'], {
      heartbeatBefore: new Date(now - silentFor * 1000),
      limit: PAGE,
    });
    for (const run of stale) {
      const reason = `The worker running attempt ${run.attempt} stopped (no heartbeat for ${silentFor} s)`;
      if (await this.retry(run, reason)) continue;
      await this.lifecycle.settle(run, {
        status: 'lost',
        from: ['running'],
        patch: { returnCode: null, errors: [...run.errors, reason] },
        reason,
      });
    }
  }

  /**
   * A lost run of a runbook whose Retry Policy allows another attempt goes back to the queue (a
   * frozen worker that comes back is fenced out at its next heartbeat). True when requeued.
   */
  private async retry(run: Run, reason: string): Promise<boolean> {
    const maxAttempts = await this.maxAttemptsOf(run.runbook);
    if (run.attempt >= maxAttempts) return false;
    const requeued = await this.lifecycle.requeue(run, [
      ...run.errors,
      `${reason}; queued again for attempt ${run.attempt + 1} of ${maxAttempts}`,
    ]);
    if (!requeued) return false;
    // A job of its own (the lost attempt's job may still be held); if Redis fails here,
    // requeueStuck queues it on a later round.
    await this.queueOf(run)
      .enqueue(run.id, { attempt: run.attempt + 1 })
      .catch(() => undefined);
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
  private async enforceDeadlines(now: number): Promise<void> {
    const graceSeconds =
      this.config.killGraceSeconds +
      DEADLINE_SLACK_SECONDS +
      this.settings.reconcileIntervalSeconds;
    const overdue = await this.store.listByStatus(['running'], {
      startedBefore: new Date(now - (this.config.scriptTimeoutSeconds + graceSeconds) * 1000),
      limit: PAGE,
    });
    for (const run of overdue) {
      const settled = await this.lifecycle.settle(run, {
        status: 'timeout',
        from: ['running'],
        patch: {
          returnCode: -9,
          errors: [...run.errors, 'The run passed its deadline and was stopped'],
        },
        reason: 'deadline passed and its worker did not settle it',
      });
      if (settled.applied)
        await this.ports.cancel
          .request({ runId: run.id, requestedBy: 'system', reason: 'deadline passed' })
          .catch(() => undefined);
    }
  }
}
