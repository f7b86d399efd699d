import { Inject, Injectable, Logger } from '@nestjs/common';
import type {
  NewRun,
  Run,
  RunPatch,
  RunStore,
  TransitionResult,
  WaitingRun,
} from '@runbooks/history';
import type { ExecuteResult, RunApproval, RunStatus } from '@runbooks/types';

import { HistoryRecorder, type HistoryFacts } from '../history/history-recorder.service';
import { MetricsService } from '../metrics/metrics.service';
import { LastRunIndex } from '../history/last-run-index.service';
import { approvalNote } from './approval-note';
import { executeResultOf, type FullOutput } from './run-results';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';

/** A run's move to a final status, as its settler describes it. */
export interface Settlement {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  /** Statuses the run may be in for the move to apply (fenced with the run's attempt too). */
  from: readonly RunStatus[];
  patch?: RunPatch;
  /** The markdown and audit History entries, written once and only if the move is still ours. */
  history?: HistoryFacts;
  /** The whole output, for the `done` payload of the process that ran the script. */
  output?: FullOutput;
  /** The last output seq this process stored: subscribers catch up to it before `done`. */
  lastSeq?: number;
  /** Why, for the log line (lost, timeout, refusals). */
  reason?: string;
  /**
   * Write History only once the move applied (decisions that race each other: a reject losing
   * to the last approval must leave no entry), instead of before it.
   */
  historyOnceApplied?: boolean;
}

/** What a settlement did: the run as it is now and its `done` result. */
export interface Settled {
  /** False when another process settled the run first (nothing was written or published here). */
  applied: boolean;
  run: Run;
  result: ExecuteResult;
}

/** Statuses that mean something went wrong outside the script: logged as warnings. */
const WARNED: ReadonlySet<RunStatus> = new Set(['lost', 'timeout', 'denied']);

/**
 * The one owner of run state changes. Every create, claim, requeue and settlement of a run goes
 * through here, and each settlement does its fenced write, History, metrics, log, last-run index
 * and `done` exactly once, whoever settles (worker, canceler, reconciler, boot recovery).
 */
@Injectable()
export class RunLifecycle {
  private readonly logger = new Logger('Runs');

  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly history: HistoryRecorder,
    private readonly metrics: MetricsService,
    private readonly lastRuns: LastRunIndex,
  ) {}

  /** Records a new run (queued): it exists before anything forks. */
  async create(input: NewRun): Promise<Run> {
    const run = await this.store.create(input);
    this.lastRuns.note(run);
    return run;
  }

  /** The run as it is now, or null. */
  current(runId: string): Promise<Run | null> {
    return this.store.get(runId);
  }

  /**
   * Puts a checked run on hold until it is approved (queued → pending_approval, with its gate);
   * null when the run was settled meanwhile.
   */
  async awaitApproval(run: Run, approval: RunApproval): Promise<Run | null> {
    const outcome = await this.store.transition(
      run.id,
      run.attempt,
      ['queued'],
      'pending_approval',
      {
        approval,
      },
    );
    if (!outcome.applied) return null;
    this.lastRuns.note(outcome.run);
    this.metrics.approvalRequests.inc({ runbook: run.runbook });
    this.logger.log(
      `Run ${run.id} of ${run.runbook} waits for ${approval.required} approval(s) until ${approval.expires_at}`,
    );
    return outcome.run;
  }

  /**
   * Records an approval of a pending run (compare and set on its approval state): `queued` once
   * the last one is in, else still pending. Not applied when someone decided first: re-read and
   * decide again.
   */
  async recordApproval(
    run: Run & { approval: RunApproval },
    next: RunApproval,
    to: 'pending_approval' | 'queued',
  ): Promise<TransitionResult> {
    const outcome = await this.store.decideApproval(run.id, run.approval, next, to);
    if (!outcome.applied) return outcome;
    this.lastRuns.note(outcome.run);
    const by = next.approvals[next.approvals.length - 1]?.by ?? 'unknown';
    this.logger.log(
      `Run ${run.id} of ${run.runbook} approved by ${by} (${next.approvals.length} of ${next.required})${to === 'queued' ? '; queued' : ''}`,
    );
    if (to === 'queued') this.countDecision(outcome.run, 'approved');
    return outcome;
  }

  /** Takes a queued run for this worker (attempt + 1); null when another delivery took it. */
  async claim(runId: string, workerId: string): Promise<Run | null> {
    const claimed = await this.store.claim(runId, { workerId });
    if (!claimed) return null;
    this.lastRuns.note(claimed);
    if (claimed.slots.length > 0 && claimed.attempt === 1 && claimed.startedAt) {
      const waitedSeconds = (Date.parse(claimed.startedAt) - Date.parse(claimed.createdAt)) / 1000;
      this.metrics.concurrencyWait.observe({ runbook: claimed.runbook }, waitedSeconds);
    }
    if (claimed.scheduledFor !== null && claimed.startedAt !== null) {
      const lagSeconds = (Date.parse(claimed.startedAt) - Date.parse(claimed.scheduledFor)) / 1000;
      this.metrics.scheduleLag.observe({ runbook: claimed.runbook }, Math.max(0, lagSeconds));
    }
    this.logger.log(
      `Run ${claimed.id} of ${claimed.runbook} started for ${claimed.requestedBy || 'unknown'}`,
    );
    return claimed;
  }

  /** A running run's sign of life; false when it was fenced out (settled or requeued elsewhere). */
  heartbeat(run: Run): Promise<boolean> {
    return this.store.heartbeat(run.id, run.attempt);
  }

  /**
   * True while `run` (this attempt) is still in one of `from`: a worker whose run was settled
   * elsewhere (lost, timeout) drops its own outcome.
   */
  async isStillOurs(run: Run, from: readonly RunStatus[]): Promise<boolean> {
    const current = await this.store.get(run.id);
    return current !== null && current.attempt === run.attempt && from.includes(current.status);
  }

  /** Moves a run to a final status, with every side effect once; see {@link Settlement}. */
  async settle(run: Run, settlement: Settlement): Promise<Settled> {
    // The History entry of a run that had a gate names who approved it (or rejected it, or why
    // it expired) wherever it is settled.
    const history =
      settlement.history && run.approval && settlement.history.approval === undefined
        ? { ...settlement.history, approval: approvalNote(run.approval, settlement.status) }
        : settlement.history;
    if (history && !settlement.historyOnceApplied) {
      if (!(await this.isStillOurs(run, settlement.from))) return this.settledElsewhere(run);
      await this.history.record(history);
    }
    const outcome = await this.store.transition(
      run.id,
      run.attempt,
      settlement.from,
      settlement.status,
      settlement.patch,
    );
    if (!outcome.applied) return this.settledElsewhere(outcome.run ?? run);
    const settled = outcome.run;
    if (history && settlement.historyOnceApplied) await this.history.record(history);
    this.lastRuns.note(settled);
    // Its slots are free: the next waiting runs may start.
    if (settled.slots.length > 0) void this.wakeWaiting();
    this.count(settled);
    if (settlement.from.includes('pending_approval') && run.status === 'pending_approval')
      this.countDecision(settled, settled.status);
    this.log(settled, settlement.reason);
    const result = executeResultOf(settled, settlement.output);
    await this.publishDone(settled.id, result, settlement.lastSeq);
    return { applied: true, run: settled, result };
  }

  /**
   * Gives a running run whose worker was lost back to the queue for another attempt (Retry
   * Policy); false when it was settled or requeued elsewhere first.
   */
  async requeue(run: Run, errors: string[]): Promise<boolean> {
    const outcome = await this.store.requeue(run.id, run.attempt, { errors });
    if (!outcome.applied) return false;
    this.lastRuns.note(outcome.run);
    if (outcome.run.slots.length > 0) void this.wakeWaiting();
    this.metrics.retries.inc({ runbook: run.runbook });
    this.logger.warn(`Run ${run.id} of ${run.runbook} lost attempt ${run.attempt}; queued again`);
    return true;
  }

  /**
   * Places a new run with Concurrency slots in its waiting line and says where it stands (null
   * when it may start now); runs the review lets start are queued on the way.
   */
  async admit(run: Run): Promise<WaitingRun | null> {
    const line = await this.reviewAndQueue(run.id);
    return line.find((waiting) => waiting.id === run.id && waiting.waitingFor !== null) ?? null;
  }

  /** Notes on a queued run why it has not started (server-wide limit); best effort. */
  async noteWaiting(runId: string, waitingFor: string): Promise<void> {
    await this.store.noteWaiting(runId, waitingFor).catch(() => undefined);
  }

  /**
   * Queues the waiting runs whose slots are free now (after an ending, and periodically as a
   * safety net). Queueing a run already queued is a no-op; its claim decides anyway.
   */
  async wakeWaiting(): Promise<void> {
    await this.reviewAndQueue(null).catch((error: unknown) =>
      this.logger.warn(`Could not review the Concurrency waiting line: ${String(error)}`),
    );
  }

  private async reviewAndQueue(exceptId: string | null): Promise<WaitingRun[]> {
    const line = await this.store.reviewWaiting();
    const waitingByRunbook = new Map<string, number>();
    for (const waiting of line) {
      if (waiting.waitingFor !== null) {
        waitingByRunbook.set(waiting.runbook, (waitingByRunbook.get(waiting.runbook) ?? 0) + 1);
        continue;
      }
      if (waiting.id === exceptId) continue;
      // A sub-runbook run goes to the nested queue, as when it was submitted.
      const queue = waiting.recursionStack.length > 1 ? this.ports.nestedQueue : this.ports.queue;
      // A job per attempt: a run requeued after a lost worker gets its own (as the reconciler).
      await queue.enqueue(waiting.id, { attempt: waiting.attempt + 1 }).catch(() => undefined);
    }
    this.metrics.concurrencyWaiting.reset();
    for (const [runbook, count] of waitingByRunbook)
      this.metrics.concurrencyWaiting.set({ runbook }, count);
    return line;
  }

  private async settledElsewhere(run: Run): Promise<Settled> {
    const current = (await this.store.get(run.id)) ?? run;
    this.logger.warn(
      `Run ${run.id} was settled elsewhere (${current.status}); the outcome here is dropped`,
    );
    return { applied: false, run: current, result: executeResultOf(current) };
  }

  private count(run: Run): void {
    this.metrics.runs.inc({ runbook: run.runbook, status: run.status });
    if (run.startedAt && run.finishedAt) {
      const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
      this.metrics.runDuration.observe({ runbook: run.runbook, status: run.status }, seconds);
    }
  }

  /** Approval decisions by outcome, and how long the request waited for it. */
  private countDecision(run: Run, outcome: string): void {
    this.metrics.approvalDecisions.inc({ runbook: run.runbook, outcome });
    const waitedSeconds = (Date.parse(run.updatedAt) - Date.parse(run.createdAt)) / 1000;
    if (Number.isFinite(waitedSeconds))
      this.metrics.approvalWait.observe({ runbook: run.runbook, outcome }, waitedSeconds);
  }

  private log(run: Run, reason: string | undefined): void {
    const took =
      run.startedAt && run.finishedAt
        ? ` after ${Date.parse(run.finishedAt) - Date.parse(run.startedAt)} ms`
        : '';
    const why = reason ? `: ${reason}` : '';
    const line = `Run ${run.id} of ${run.runbook} ended ${run.status} (return code ${run.returnCode ?? 'none'})${took}${why}`;
    if (WARNED.has(run.status)) this.logger.warn(line);
    else this.logger.log(line);
  }

  /** Ends the run's live stream; a failed publish is retried briefly (waiters depend on it). */
  private async publishDone(runId: string, result: ExecuteResult, lastSeq?: number): Promise<void> {
    const options = lastSeq === undefined ? {} : { lastSeq };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ports.bus.complete(runId, result, options);
        return;
      } catch (error) {
        if (attempt >= 3) {
          this.logger.warn(
            `Could not complete the output stream of run ${runId}: ${String(error)}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}
