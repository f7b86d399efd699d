import { randomUUID } from 'node:crypto';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { isHistoryError, type RunStore } from '@runbooks/history';
import type { RunbookSchedule } from '@runbooks/runbook-format';
import type { Cron } from 'croner';

import type { Caller } from '../auth/caller';
import { RunbookCatalog, type CatalogEntry } from '../catalog/runbook-catalog.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { RUN_STORE } from '../history/run-store.provider';
import { MetricsService } from '../metrics/metrics.service';
import { RunSubmission } from '../runs/run-submission.service';
import { cronOf, ON_TIME_GRACE_MS, planFires, type PlannedFire } from './fire-plan';
import { schedulerCaller } from './scheduler-caller';
import { hasScheduleSection, scheduleStatusOf } from './schedule-status';

/** How often due fires are looked for (a fire is handled within this of its time). */
const TICK_MS = 500;
/** A waiting `overlap: queue` run is queued again at most this often while it waits. */
const RELEASE_AGAIN_MS = 10_000;

/** What the scheduler keeps per scheduled runbook. */
interface Tracked {
  /** The schedule it was compiled from (a changed file recompiles). */
  key: string;
  cron: Cron | null;
  /** Every fire up to here was handled. */
  cursor: Date;
  /** When this process started tracking the schedule: later fires are late at worst, not missed. */
  upSince: Date;
  released: { runId: string; atMs: number } | null;
}

/** How a fire ended, for the metrics. */
type FireOutcome = (typeof FIRE_OUTCOMES)[number];
const FIRE_OUTCOMES = ['started', 'skipped', 'missed', 'denied', 'failed'] as const;

/**
 * Fires runbooks' `# Schedule`s. Every API process may run it (not the worker-only ones); each
 * fire is recorded through the one submission path with the scheduler's identity, and the run
 * store's unique (runbook, fire time) key decides which process records it: the others get
 * FIRE_EXISTS and move on. Fires are computed from the cron, not from timers, so processes with
 * slightly different clocks still agree on which fire they race for.
 */
@Injectable()
export class Scheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly tracked = new Map<string, Tracked>();
  private readonly caller: Caller;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly catalog: RunbookCatalog,
    private readonly submission: RunSubmission,
    private readonly metrics: MetricsService,
  ) {
    this.caller = schedulerCaller(config.scheduler);
  }

  /** True when this process fires schedules (`SCHEDULER_ENABLED`, and not a worker-only process). */
  get isActive(): boolean {
    return this.config.scheduler.enabled && this.config.distributed?.role !== 'worker';
  }

  onApplicationBootstrap(): void {
    if (!this.isActive) return;
    this.logger.log(`Scheduler started (runs requested by ${this.caller.userId})`);
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  private tick(): void {
    if (this.ticking || !this.timer) return;
    this.ticking = this.runTick()
      .catch((error: unknown) => this.logger.warn(`Scheduler tick failed: ${String(error)}`))
      .finally(() => (this.ticking = null));
  }

  private async runTick(): Promise<void> {
    const entries = (await this.catalog.list()).filter(hasScheduleSection);
    const seen = new Set<string>();
    let inError = 0;
    for (const entry of entries) {
      seen.add(entry.filename);
      const status = scheduleStatusOf(entry);
      if (status.error !== null) inError += 1;
      try {
        await this.handle(entry, status.schedule);
      } catch (error) {
        this.logger.warn(`Schedule of ${entry.filename} not handled: ${String(error)}`);
      }
    }
    for (const filename of [...this.tracked.keys()]) {
      if (seen.has(filename)) continue;
      this.tracked.delete(filename);
      this.metrics.scheduleNextFire.remove({ runbook: filename });
    }
    this.metrics.schedulesInError.set(inError);
  }

  /** Handles the fires of one runbook that fell due since the last tick. */
  private async handle(entry: CatalogEntry, schedule: RunbookSchedule | null): Promise<void> {
    const now = new Date();
    const tracked = await this.track(entry.filename, schedule, now);
    if (!schedule || !schedule.enabled || !tracked.cron) {
      // Disabled or invalid: nothing fires, and nothing counts as missed when it comes back.
      tracked.cursor = now;
      this.metrics.scheduleNextFire.remove({ runbook: entry.filename });
      return;
    }
    const plan = planFires(schedule, tracked.cron, tracked.cursor, now, tracked.upSince);
    if (plan.unrecorded > 0) {
      this.logger.warn(
        `${entry.filename}: ${plan.unrecorded} missed fires before the last ${plan.fires.length} are not recorded one by one`,
      );
    }
    for (const fire of plan.fires) {
      await this.fire(entry.filename, schedule, fire);
      // A fire whose record failed (store away) is tried again next tick: it is never lost.
      tracked.cursor = fire.at;
    }
    tracked.cursor = now;
    const next = tracked.cron.nextRun(now);
    if (next) this.metrics.scheduleNextFire.set({ runbook: entry.filename }, next.getTime() / 1000);
    if (schedule.overlap === 'queue') await this.releaseWaiting(entry.filename, tracked);
  }

  /** The runbook's state, created at first sight from its last recorded fire. */
  private async track(
    filename: string,
    schedule: RunbookSchedule | null,
    now: Date,
  ): Promise<Tracked> {
    const key = schedule ? `${schedule.cron}\u0000${schedule.timezone}` : '';
    const known = this.tracked.get(filename);
    if (known && known.key === key) return known;
    const cron = schedule ? cronOf(schedule) : null;
    if (known) {
      // An edited schedule: the new cron applies from where the old one stopped.
      Object.assign(known, { key, cron });
      return known;
    }
    // First sight: fires after the last recorded one were missed, unless they are recent
    // (a fire less than the grace before now is on time; a new schedule starts from there).
    const [last] = await this.store.listFires(filename, { limit: 1 });
    const graceStart = new Date(now.getTime() - ON_TIME_GRACE_MS);
    const cursor = last?.scheduledFor ? new Date(last.scheduledFor) : graceStart;
    const tracked: Tracked = { key, cron, cursor, upSince: now, released: null };
    this.tracked.set(filename, tracked);
    // Every outcome has its series from the start, so an alert sees 0 rather than nothing.
    for (const outcome of FIRE_OUTCOMES)
      this.metrics.scheduleFires.inc({ runbook: filename, outcome }, 0);
    return tracked;
  }

  /** Records one fire: a run, or a skipped record saying why. */
  private async fire(
    filename: string,
    schedule: RunbookSchedule,
    fire: PlannedFire,
  ): Promise<void> {
    const at = fire.at.toISOString();
    let skipReason: string | undefined;
    if (fire.kind === 'missed') {
      skipReason =
        schedule.missed === 'skip'
          ? `Missed: no scheduler was up at ${at} (missed: skip)`
          : `Missed: no scheduler was up at ${at}; only the latest missed fire within catch_up_window runs (missed: run_once)`;
    } else if (schedule.overlap === 'skip') {
      const [active] = await this.store.listFires(filename, {
        statuses: ['queued', 'running'],
        limit: 1,
      });
      if (active) {
        skipReason = `Skipped: the previous scheduled run ${active.id} is still ${active.status} (overlap: skip)`;
      }
    }
    let outcome: FireOutcome;
    try {
      const submitted = await this.submission.submit({
        filename,
        caller: this.caller,
        envVars: { ...schedule.env },
        labels: {},
        correlationId: randomUUID(),
        recursionHeader: undefined,
        remoteIp: 'scheduler',
        trigger: 'schedule',
        fire: { scheduledFor: fire.at, missed: fire.kind === 'catch_up', skipReason },
      });
      if (skipReason !== undefined) outcome = fire.kind === 'missed' ? 'missed' : 'skipped';
      else outcome = submitted.run.status === 'failure' ? 'failed' : 'started';
    } catch (error) {
      if (isHistoryError(error, 'FIRE_EXISTS')) return; // another scheduler recorded this fire
      // Not an AppError (store away), or UNAVAILABLE (shutting down, queue away): the fire may
      // have no record, so it is tried again next tick (FIRE_EXISTS then if it has one).
      if (!(error instanceof AppError) || error.code === 'UNAVAILABLE') throw error;
      // Refused and recorded (denied), or failed and recorded (unavailable queue, unreadable file).
      outcome = error.code === 'FORBIDDEN' ? 'denied' : 'failed';
      this.logger.warn(`Fire of ${filename} at ${at}: ${error.message}`);
    }
    this.metrics.scheduleFires.inc({ runbook: filename, outcome });
  }

  /** `overlap: queue`: queues the earliest waiting scheduled run again once nothing runs before it. */
  private async releaseWaiting(filename: string, tracked: Tracked): Promise<void> {
    const [first] = await this.store.listFires(filename, {
      statuses: ['queued', 'running'],
      oldestFirst: true,
      limit: 1,
    });
    if (!first || first.status !== 'queued') return;
    const nowMs = Date.now();
    const released = tracked.released;
    if (released?.runId === first.id && nowMs - released.atMs < RELEASE_AGAIN_MS) return;
    tracked.released = { runId: first.id, atMs: nowMs };
    await this.submission.release(first);
  }
}
