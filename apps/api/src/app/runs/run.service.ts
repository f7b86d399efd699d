import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { isDispatchError, type RunConsumer, type RunJob } from '@runbooks/dispatch';
import { execute, type ExecutionResult } from '@runbooks/executor';
import {
  isTerminalStatus,
  type Run,
  type RunStore,
  type TransitionResult,
} from '@runbooks/history';
import type { ExecuteResult, RunStatus } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { HistoryRecorder } from '../history/history-recorder.service';
import { pythonIsoFormat } from '../history/python-iso-format';
import { MetricsService } from '../metrics/metrics.service';
import { RunbookAccess } from '../runbooks/runbook-access.service';
import { RunbookCatalog, type CatalogEntry } from '../runbooks/runbook-catalog.service';
import { ScriptSandbox } from '../sandbox/script-sandbox.service';
import { DispatchHolder, type Dispatch, type RunRequestDetails } from './dispatch.provider';
import { LastRunIndex } from './last-run-index.service';
import { LineSplitter } from './line-splitter';
import { NestingProofs } from './nesting-proofs';
import { DispatchLiveOutput, type LiveOutput } from './live-output';
import { OutputBus } from './output-bus';
import { RunOutputWriter } from './run-output-writer';
import { InProcessRunQueue } from './run-queue';
import { RunStoreHolder } from './run-store.provider';
import { parseRecursionStack, recursionRefusal } from './recursion-stack';

/** An execute request as the controller hands it over. */
export interface ExecuteCommand {
  filename: string;
  caller: Caller;
  envVars: Record<string, string>;
  labels: Record<string, string>;
  correlationId: string;
  recursionHeader: string | string[] | undefined;
  /** The `runbook-parent` proof a running script sends with its sub-runbook calls. */
  nestingProof?: string;
  remoteIp: string;
}

/** A submitted run: its record, and the final result once it settles (waited for on demand). */
export interface Submission {
  run: Run;
  result: () => Promise<ExecuteResult>;
}

/** A run this process owns until it finishes. */
interface ActiveRun {
  abort: AbortController;
  canceledBy: string | null;
  cancelReason: string | null;
  finished: Promise<ExecuteResult>;
}

/** A partial line is sent after this much quiet, so progress without newlines still streams. */
const PARTIAL_LINE_FLUSH_MS = 150;
/** Heartbeat period of a running run; in the distributed mode at least 3 per LOST_AFTER_SECONDS. */
const HEARTBEAT_MS = 10_000;
/** How often a distributed result waiter re-reads the record (in case `done` never reaches it). */
const RESULT_POLL_MS = 5_000;
/** How often the queue backlog gauge is refreshed in the distributed mode. */
const QUEUE_COUNTS_MS = 5_000;

/**
 * Runs runbooks: every execution is a record before it is a process (queued → running → final),
 * output goes to the store and the live bus in chunks, both histories are written, and runs
 * survive their client disconnecting.
 */
@Injectable()
export class RunService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Runs');
  /** Recorded on the runs this process claims (`<host>-<pid>-<random>` in the distributed mode). */
  private readonly workerId: string;
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: InProcessRunQueue;
  /** The distributed adapters, or null in the embedded mode. */
  private readonly dispatch: Dispatch | null;
  /** Where live output goes: the in-process bus (embedded) or Redis (distributed). */
  private readonly live: LiveOutput;
  private consumers: RunConsumer[] = [];
  private closingConsumers: Promise<unknown> | null = null;
  private countsTimer: NodeJS.Timeout | null = null;
  private accepting = true;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
    private readonly history: HistoryRecorder,
    private readonly holder: RunStoreHolder,
    private readonly bus: OutputBus,
    private readonly metrics: MetricsService,
    private readonly lastRuns: LastRunIndex,
    dispatchHolder: DispatchHolder,
    private readonly sandbox: ScriptSandbox,
    private readonly nesting: NestingProofs,
  ) {
    this.queue = new InProcessRunQueue(config.maxConcurrentRuns, (running, waiting) => {
      this.metrics.activeRuns.set(running);
      this.metrics.queuedRuns.set(waiting);
    });
    this.dispatch = dispatchHolder.dispatch;
    this.workerId = `${this.dispatch ? hostname() : 'api'}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.live = this.dispatch
      ? new DispatchLiveOutput(this.dispatch.bus, (error) =>
          this.logger.warn(`Could not complete a run's output stream: ${String(error)}`),
        )
      : bus;
  }

  /** The distributed adapters (null in the embedded mode). */
  get distributed(): Dispatch | null {
    return this.dispatch;
  }

  onApplicationBootstrap(): void {
    const dispatch = this.dispatch;
    if (!dispatch) return;
    // runbook_queued_runs: the jobs waiting in the shared queues (the whole cluster's backlog).
    this.countsTimer = setInterval(() => {
      void Promise.all([dispatch.queue.counts(), dispatch.nestedQueue.counts()])
        .then(([top, nested]) => this.metrics.queuedRuns.set(top.waiting + nested.waiting))
        .catch(() => undefined);
    }, QUEUE_COUNTS_MS);
    this.countsTimer.unref();
    if (dispatch.settings.role === 'api') return;
    const handler = (job: RunJob) => this.handleJob(job);
    this.consumers = [
      dispatch.queue.consume(handler, { concurrency: this.config.maxConcurrentRuns }),
      dispatch.nestedQueue.consume(handler, {
        concurrency: dispatch.settings.maxConcurrentNestedRuns,
      }),
    ];
    this.logger.log(
      `Worker ${this.workerId} takes runs (concurrency ${this.config.maxConcurrentRuns}, nested ${dispatch.settings.maxConcurrentNestedRuns})`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.countsTimer) clearInterval(this.countsTimer);
    this.closingConsumers ??= Promise.allSettled(this.consumers.map((c) => c.close()));
    await this.closingConsumers;
  }

  private get store() {
    return this.holder.store;
  }

  /** A fenced store transition that also keeps the last-run index current. */
  private async transition(...args: Parameters<RunStore['transition']>): Promise<TransitionResult> {
    const result = await this.store.transition(...args);
    if (result.run) this.lastRuns.note(result.run);
    return result;
  }

  /**
   * Checks and records an execute request, then queues it. Pre-run refusals: 400/404 (bad or
   * missing file) and 403 (RBAC) throw; recursion and validation failures settle at once.
   */
  async submit(command: ExecuteCommand): Promise<Submission> {
    if (!this.accepting) throw new AppError('UNAVAILABLE', 'Server is shutting down', true);
    const entry = await this.catalog.get(command.filename, true);
    // Only a request proven to come from a running script is nested (its parent's slot, or the
    // nested queue); its stack is the parent's as recorded, whatever the headers say.
    const parent = await this.verifiedParent(command.nestingProof);
    const stack = parent ? parent.recursionStack : parseRecursionStack(command.recursionHeader);
    const newStack = [...stack, entry.filename];
    const run = await this.store.create({
      runbook: entry.filename,
      requestedBy: command.caller.userId,
      roles: command.caller.roles,
      correlationId: command.correlationId,
      recursionStack: newStack,
      labels: command.labels,
      envVarNames: Object.keys(command.envVars),
    });
    this.lastRuns.note(run);
    const refusal = recursionRefusal(entry.filename, stack, this.config.maxRecursionDepth);
    if (refusal) {
      this.logger.warn(`Recursion attempt blocked: ${refusal}`);
      return this.settleWithoutRunning(run, refusal, [refusal], []);
    }
    if (entry.parsed.runbook.isEmpty) {
      // Reference §3.6: a file that cannot be loaded is a 500 before anything streams.
      const message = 'Failed to execute runbook: Failed to load runbook';
      await this.transition(run.id, run.attempt, ['queued'], 'failure', {
        returnCode: 1,
        errors: [message],
      });
      this.metrics.runs.inc({ runbook: entry.filename, status: 'failure' });
      throw new AppError('INTERNAL', message, true);
    }
    const origin = {
      correlationId: command.correlationId,
      remoteIp: command.remoteIp,
      recursionStack: stack.length > 0 ? stack : null,
    };
    try {
      await this.access.authorize(entry, command.caller, 'execute', origin, true);
    } catch (error) {
      await this.transition(run.id, run.attempt, ['queued'], 'denied', {
        returnCode: 403,
        errors: [error instanceof Error ? error.message : String(error)],
      });
      this.metrics.runs.inc({ runbook: entry.filename, status: 'denied' });
      throw error;
    }
    const validation = this.access.validate(entry, command.envVars);
    // Only declared, non-control variables reach the script (the others are in the warnings).
    command = { ...command, envVars: this.access.requestEnv(entry, command.envVars).passed };
    if (!validation.valid) {
      return this.settleWithoutRunning(
        run,
        validation.errors.join('\n'),
        validation.errors,
        validation.warnings,
      );
    }
    if (this.dispatch) {
      await this.dispatchRun(this.dispatch, run, command, parent !== null, validation.warnings);
      return { run, result: () => this.waitForResult(run.id) };
    }
    const result = this.enqueue(
      run,
      entry,
      command,
      newStack,
      validation.warnings,
      parent !== null,
    );
    return { run, result: () => result };
  }

  /** The running run a nesting proof stands for, or null (no proof, a wrong one, or not running). */
  private async verifiedParent(proof: string | undefined): Promise<Run | null> {
    const parentId = await this.nesting.verify(proof);
    if (!parentId) return null;
    const parent = await this.store.get(parentId);
    return parent?.status === 'running' ? parent : null;
  }

  /**
   * Distributed: leaves the request details for the worker, then queues the run. When Redis is
   * away the run fails at once (it never ran) and the caller gets 503.
   */
  private async dispatchRun(
    dispatch: Dispatch,
    run: Run,
    command: ExecuteCommand,
    nested: boolean,
    warnings: string[],
  ): Promise<void> {
    try {
      await dispatch.saveRequest(run.id, {
        envVars: command.envVars,
        token: command.caller.token,
        remoteIp: command.remoteIp,
        warnings,
      });
      await (nested ? dispatch.nestedQueue : dispatch.queue).enqueue(run.id);
    } catch (error) {
      if (!isDispatchError(error)) throw error;
      const message = 'The run queue is unavailable; the run was not started';
      await this.transition(run.id, run.attempt, ['queued'], 'failure', {
        returnCode: 1,
        errors: [message],
      }).catch(() => undefined);
      this.metrics.runs.inc({ runbook: run.runbook, status: 'failure' });
      this.logger.warn(`Run ${run.id} refused: ${error.message}`);
      throw new AppError('UNAVAILABLE', message, true);
    }
  }

  /** Distributed: the result of a run executed by any worker (its `done` on the bus). */
  private waitForResult(runId: string): Promise<ExecuteResult> {
    const dispatch = this.dispatch;
    if (!dispatch) return Promise.reject(new Error('not in the distributed mode'));
    return new Promise<ExecuteResult>((resolve) => {
      let settled = false;
      const settle = (result: ExecuteResult) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        subscription.close();
        resolve(result);
      };
      // Only `done` matters here: start after any seq so no line is replayed.
      const subscription = dispatch.bus.subscribe(runId, Number.MAX_SAFE_INTEGER, (signal) => {
        if (signal.kind === 'done') settle(signal.result);
      });
      const check = () =>
        void this.store
          .get(runId)
          .then((run) => {
            if (run && isTerminalStatus(run.status)) settle(this.resultFromRecord(run));
          })
          .catch(() => undefined);
      const poll = setInterval(check, RESULT_POLL_MS);
      check();
    });
  }

  /**
   * Worker side of the distributed mode: claim (a duplicate delivery gets null and is acked),
   * run with a cancel watch and a fenced heartbeat, record, complete the output stream.
   */
  private async handleJob(job: RunJob): Promise<void> {
    const dispatch = this.dispatch;
    if (!dispatch || !this.accepting) throw new Error('This worker is shutting down');
    // Read the details before claiming: if Redis fails here the job is delivered again later and
    // the run stays queued, instead of failing a run that was already claimed.
    const details = await dispatch.loadRequest(job.runId);
    const claimed = await this.store.claim(job.runId, { workerId: this.workerId });
    if (!claimed) return;
    this.lastRuns.note(claimed);
    let settle: (result: ExecuteResult) => void = () => undefined;
    const active: ActiveRun = {
      abort: new AbortController(),
      canceledBy: null,
      cancelReason: null,
      finished: new Promise<ExecuteResult>((resolve) => (settle = resolve)),
    };
    this.active.set(claimed.id, active);
    this.metrics.activeRuns.set(this.active.size);
    const watch = await dispatch.cancel.watch(claimed.id, (request) => {
      active.canceledBy = request.requestedBy || 'unknown';
      active.cancelReason = request.reason;
      active.abort.abort();
    });
    let result: ExecuteResult;
    try {
      result = await this.runClaimedJob(claimed, details, active);
    } catch (error) {
      result = await this.crashed(claimed, error);
    } finally {
      await watch.close().catch(() => undefined);
      // A run requeued for a retry while this worker was away still needs its details.
      const current = await this.store.get(claimed.id).catch(() => null);
      if (current?.status !== 'queued') await dispatch.dropRequest(claimed.id);
      this.active.delete(claimed.id);
      this.metrics.activeRuns.set(this.active.size);
    }
    settle(result);
  }

  private async runClaimedJob(
    claimed: Run,
    details: RunRequestDetails | null,
    active: ActiveRun,
  ): Promise<ExecuteResult> {
    if (!details) throw new Error('the request details of this run expired before it started');
    const entry = await this.catalog.get(claimed.runbook, true);
    const command: ExecuteCommand = {
      filename: claimed.runbook,
      caller: {
        userId: claimed.requestedBy,
        roles: claimed.roles,
        token: details.token,
        claims: {},
      },
      envVars: details.envVars,
      labels: claimed.labels,
      correlationId: claimed.correlationId,
      recursionHeader: undefined,
      remoteIp: details.remoteIp,
    };
    return this.runClaimed(
      claimed,
      claimed,
      entry,
      command,
      claimed.recursionStack,
      details.warnings,
      active,
    );
  }

  /** Cancels a queued or running run; returns the record as it is afterwards. */
  async cancel(runId: string, caller: Caller, reason: string | undefined): Promise<Run> {
    const run = await this.store.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `Run not found: ${runId}`);
    if (this.dispatch) return this.cancelDistributed(this.dispatch, run, caller, reason);
    const active = this.active.get(runId);
    if (!active || (run.status !== 'queued' && run.status !== 'running')) {
      throw new AppError('CONFLICT', `Run ${runId} is not active (status: ${run.status})`);
    }
    active.canceledBy = caller.userId || 'unknown';
    active.cancelReason = reason ?? null;
    active.abort.abort();
    await Promise.race([active.finished, delay((this.config.killGraceSeconds + 2) * 1000)]);
    return (await this.store.get(runId)) ?? run;
  }

  /**
   * Distributed cancel, wherever the request landed: a queued run is canceled in the store (the
   * fenced transition wins or loses against a claim); a running one is asked to stop through the
   * cancel channel, which reaches the worker that owns it.
   */
  private async cancelDistributed(
    dispatch: Dispatch,
    run: Run,
    caller: Caller,
    reason: string | undefined,
  ): Promise<Run> {
    const canceledBy = caller.userId || 'unknown';
    if (run.status === 'queued') {
      const outcome = await this.transition(run.id, run.attempt, ['queued'], 'canceled', {
        returnCode: null,
        canceledBy,
        cancelReason: reason ?? null,
      });
      if (outcome.applied) {
        await Promise.allSettled([
          dispatch.queue.remove(run.id),
          dispatch.nestedQueue.remove(run.id),
          dispatch.dropRequest(run.id),
        ]);
        this.metrics.runs.inc({ runbook: run.runbook, status: 'canceled' });
        this.live.publish(run.id, { kind: 'done', result: canceledBeforeStart(run) });
        return outcome.run ?? run;
      }
      run = outcome.run ?? run;
    }
    if (run.status !== 'running') {
      throw new AppError('CONFLICT', `Run ${run.id} is not active (status: ${run.status})`);
    }
    await dispatch.cancel.request({
      runId: run.id,
      requestedBy: canceledBy,
      reason: reason ?? null,
    });
    const deadline = Date.now() + (this.config.killGraceSeconds + 2) * 1000;
    for (;;) {
      const current = await this.store.get(run.id);
      if (!current || isTerminalStatus(current.status) || Date.now() > deadline)
        return current ?? run;
      await delay(100);
    }
  }

  /** Stops taking new runs (shutdown); a worker stops taking jobs from the queues. */
  stopAccepting(): void {
    this.accepting = false;
    this.closingConsumers ??= Promise.allSettled(this.consumers.map((c) => c.close()));
  }

  /** Number of runs queued or running in this process. */
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
    for (const run of runs) {
      run.canceledBy = 'system';
      run.cancelReason = reason;
      run.abort.abort();
    }
    await Promise.allSettled(runs.map((run) => run.finished));
  }

  private async settleWithoutRunning(
    run: Run,
    stderr: string,
    errors: string[],
    warnings: string[],
  ): Promise<Submission> {
    const writer = new RunOutputWriter(this.store, this.live, run.id);
    writer.add('stderr', stderr);
    await writer.flush();
    const settled = await this.transition(run.id, run.attempt, ['queued'], 'failure', {
      returnCode: 1,
      stderr,
      errors,
      warnings,
    });
    this.metrics.runs.inc({ runbook: run.runbook, status: 'failure' });
    const result: ExecuteResult = {
      success: false,
      runbook: run.runbook,
      return_code: 1,
      stdout: '',
      stderr,
      errors,
      warnings,
      run_id: run.id,
    };
    this.live.publish(run.id, { kind: 'done', result });
    return { run: settled.run ?? run, result: () => Promise.resolve(result) };
  }

  private enqueue(
    run: Run,
    entry: CatalogEntry,
    command: ExecuteCommand,
    stack: string[],
    warnings: string[],
    isNested: boolean,
  ): Promise<ExecuteResult> {
    let settle: (result: ExecuteResult) => void = () => undefined;
    const finished = new Promise<ExecuteResult>((resolve) => (settle = resolve));
    // A sub-runbook proven to come from one of our running scripts runs in its parent's slot
    // instead of queueing behind other parents (which could wait for it forever).
    const active: ActiveRun = {
      abort: new AbortController(),
      canceledBy: null,
      cancelReason: null,
      finished,
    };
    this.active.set(run.id, active);
    const onAbortWhileQueued = () => {
      if (this.queue.remove(run.id)) void this.cancelQueued(run, active).then(settle);
    };
    active.abort.signal.addEventListener('abort', onAbortWhileQueued, { once: true });
    this.queue.enqueue(
      run.id,
      async () => {
        active.abort.signal.removeEventListener('abort', onAbortWhileQueued);
        const result = await this.execute(run, entry, command, stack, warnings, active).catch(
          (error: unknown) => this.crashed(run, error),
        );
        this.active.delete(run.id);
        settle(result);
      },
      isNested,
    );
    return finished;
  }

  private async cancelQueued(run: Run, active: ActiveRun): Promise<ExecuteResult> {
    await this.transition(run.id, run.attempt, ['queued'], 'canceled', {
      returnCode: null,
      canceledBy: active.canceledBy,
      cancelReason: active.cancelReason,
    });
    this.active.delete(run.id);
    this.metrics.runs.inc({ runbook: run.runbook, status: 'canceled' });
    const result = canceledBeforeStart(run);
    this.live.publish(run.id, { kind: 'done', result });
    return result;
  }

  private async execute(
    run: Run,
    entry: CatalogEntry,
    command: ExecuteCommand,
    stack: string[],
    warnings: string[],
    active: ActiveRun,
  ): Promise<ExecuteResult> {
    const claimed = await this.store.claim(run.id, { workerId: this.workerId });
    if (!claimed) return this.resultFromRecord((await this.store.get(run.id)) ?? run);
    this.lastRuns.note(claimed);
    return this.runClaimed(run, claimed, entry, command, stack, warnings, active);
  }

  /** Runs a claimed run's script, streams its output, records the outcome. */
  private async runClaimed(
    run: Run,
    claimed: Run,
    entry: CatalogEntry,
    command: ExecuteCommand,
    stack: string[],
    warnings: string[],
    active: ActiveRun,
  ): Promise<ExecuteResult> {
    const startedAt = new Date();
    this.logger.log(`Run ${run.id} of ${run.runbook} started for ${run.requestedBy || 'unknown'}`);
    const writer = new RunOutputWriter(this.store, this.live, run.id, claimed.attempt, (error) =>
      this.logger.error(`Could not store output of run ${run.id}: ${(error as Error).message}`),
    );
    const fenced = this.dispatch !== null;
    if (fenced && claimed.attempt > 1) {
      // A retry under the runbook's Retry Policy: readers of the output see where it starts.
      writer.add(
        'stderr',
        `[runbooks] attempt ${claimed.attempt}: the worker of the previous attempt was lost; running the script again`,
      );
    }
    const heartbeatMs = this.dispatch
      ? Math.min(HEARTBEAT_MS, (this.dispatch.settings.lostAfterSeconds * 1000) / 3)
      : HEARTBEAT_MS;
    const heartbeat = setInterval(
      () =>
        void this.store
          .heartbeat(run.id, claimed.attempt)
          .then((alive) => {
            // Distributed: a refused heartbeat means the reconciler gave the run up (lost or
            // timeout); stop the script, its outcome can no longer be recorded.
            if (!alive && fenced) {
              this.logger.warn(`Run ${run.id} was fenced out; stopping its script`);
              active.abort.abort();
            }
          })
          .catch(() => undefined),
      heartbeatMs,
    );
    const runbook = entry.parsed.runbook;
    const nestingProof = await this.nesting
      .issue(run.id, (this.config.scriptTimeoutSeconds + this.config.killGraceSeconds + 60) * 1000)
      .catch((error: unknown) => {
        this.logger.warn(`Run ${run.id} gets no nesting proof: ${String(error)}`);
        return null;
      });
    const execution = execute(
      {
        script: runbook.script?.content ?? '',
        id: run.id,
        runbookDir: this.config.runbooksDir,
        inputs: runbook.inputs ?? [],
        declaredEnv: (runbook.environment ?? []).map((variable) => variable.name),
        envVars: command.envVars,
        system: {
          token: command.caller.token,
          correlationId: command.correlationId,
          runbookUrl: `${this.config.apiProtocol}://${this.config.apiHost}:${this.config.apiPort}/api/runbooks`,
          recursionStack: stack,
          mountDir: this.config.mountDir || null,
          nestingProof,
        },
      },
      {
        executionDir: this.config.executionDir,
        serverEnv: this.config.serverEnv,
        passthroughEnv: this.config.envPassthrough,
        secretEnvNames: this.config.secretEnvNames,
        allowedControlEnv: this.config.envAllowControlVars,
        sandbox: this.sandbox.options,
        timeoutMs: this.config.scriptTimeoutSeconds * 1000,
        killGraceMs: this.config.killGraceSeconds * 1000,
        maxOutputBytes: this.config.maxOutputSizeBytes,
        signal: active.abort.signal,
        // A worker's scripts must die with it (its runs are then `lost`, never run twice): the
        // kernel's parent-death signal on zsh, on top of the orphan watchdog for the whole group.
        parentDeathSignal: this.dispatch !== null,
      },
    );
    await this.pumpOutput(execution.events, writer);
    const result = await execution.result;
    clearInterval(heartbeat);
    await this.nesting.revoke(run.id);
    await writer.flush();
    return this.finish(
      run,
      claimed.attempt,
      entry,
      command,
      stack,
      warnings,
      active,
      startedAt,
      result,
    );
  }

  private async pumpOutput(
    events: AsyncIterable<{ type: string; data?: string }>,
    writer: RunOutputWriter,
  ): Promise<void> {
    const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    let quietTimer: NodeJS.Timeout | null = null;
    const flushPartials = () => {
      for (const stream of ['stdout', 'stderr'] as const)
        for (const line of splitters[stream].flush()) writer.add(stream, line);
    };
    for await (const event of events) {
      if ((event.type === 'stdout' || event.type === 'stderr') && event.data !== undefined) {
        const stream = event.type;
        for (const line of splitters[stream].push(event.data)) writer.add(stream, line);
        if (quietTimer) clearTimeout(quietTimer);
        quietTimer =
          splitters.stdout.hasPartial || splitters.stderr.hasPartial
            ? setTimeout(flushPartials, PARTIAL_LINE_FLUSH_MS)
            : null;
      }
    }
    if (quietTimer) clearTimeout(quietTimer);
    flushPartials();
  }

  private async finish(
    run: Run,
    attempt: number,
    entry: CatalogEntry,
    command: ExecuteCommand,
    stack: string[],
    warnings: string[],
    active: ActiveRun,
    startedAt: Date,
    result: ExecutionResult,
  ): Promise<ExecuteResult> {
    const finishedAt = new Date();
    const status: RunStatus = result.canceled
      ? 'canceled'
      : result.timedOut
        ? 'timeout'
        : result.returnCode === 0
          ? 'success'
          : 'failure';
    // A retried run keeps the notes of its lost attempts.
    const errors: string[] = attempt > 1 ? [...run.errors] : [];
    const settledElsewhere = await this.settledElsewhere(run.id, attempt);
    if (settledElsewhere) return settledElsewhere;
    await this.history.record({
      filename: entry.filename,
      operation: 'execute',
      startedAt,
      finishedAt,
      returnCode: result.returnCode,
      stdout: result.stdout,
      stderr: result.stderr,
      errors,
      warnings,
      breadcrumb: {
        at_time: pythonIsoFormat(startedAt),
        by_user: command.caller.userId,
        from_ip: command.remoteIp,
        correlation_id: command.correlationId,
        recursion_stack: stack,
        roles: command.caller.roles,
      },
    });
    const outcome = await this.transition(run.id, attempt, ['running'], status, {
      returnCode: result.returnCode,
      stdout: result.stdout,
      stderr: result.stderr,
      errors: result.failure ? [result.failure.message] : errors,
      warnings,
      canceledBy: active.canceledBy,
      cancelReason: active.cancelReason,
    });
    if (!outcome.applied && outcome.run) return this.resultFromRecord(outcome.run);
    this.metrics.runs.inc({ runbook: entry.filename, status });
    this.logger.log(
      `Run ${run.id} of ${entry.filename} ended ${status} (return code ${result.returnCode}) after ${finishedAt.getTime() - startedAt.getTime()} ms`,
    );
    this.metrics.runDuration.observe(
      { runbook: entry.filename, status },
      (finishedAt.getTime() - startedAt.getTime()) / 1000,
    );
    const done: ExecuteResult = {
      success: result.returnCode === 0,
      runbook: entry.filename,
      return_code: result.returnCode,
      stdout: result.stdout,
      stderr: result.stderr,
      errors,
      warnings,
      run_id: run.id,
    };
    this.live.publish(run.id, { kind: 'done', result: done });
    return done;
  }

  /**
   * Distributed: the reconciler may have settled this run while its worker was gone or frozen
   * (`lost` or `timeout`, with a new fence). Then the worker's own outcome is dropped: no history
   * entry, no second count, no second `done`; the caller gets the recorded result.
   */
  private async settledElsewhere(runId: string, attempt: number): Promise<ExecuteResult | null> {
    if (!this.dispatch) return null;
    const current = await this.store.get(runId);
    if (!current || (current.status === 'running' && current.attempt === attempt)) return null;
    this.logger.warn(
      `Run ${runId} was settled elsewhere (${current.status}) while this worker ran it; its outcome here is dropped`,
    );
    return this.resultFromRecord(current);
  }

  private async crashed(run: Run, error: unknown): Promise<ExecuteResult> {
    const message = `Run failed inside the server: ${error instanceof Error ? error.message : String(error)}`;
    this.logger.error(message);
    const current = await this.store.get(run.id).catch(() => null);
    if (current && (current.status === 'queued' || current.status === 'running')) {
      await this.transition(run.id, current.attempt, ['queued', 'running'], 'failure', {
        returnCode: 1,
        errors: [message],
      }).catch(() => undefined);
    }
    const result: ExecuteResult = {
      success: false,
      runbook: run.runbook,
      return_code: 1,
      stdout: '',
      stderr: message,
      errors: [message],
      warnings: [],
      run_id: run.id,
    };
    this.live.publish(run.id, { kind: 'done', result });
    return result;
  }

  /** The done payload of a run that has finished, rebuilt from its record (capped tails). */
  resultFromRecord(run: Run): ExecuteResult {
    return {
      success: run.returnCode === 0,
      runbook: run.runbook,
      return_code: run.returnCode ?? 1,
      stdout: run.stdout,
      stderr: run.stderr,
      errors: run.errors,
      warnings: run.warnings,
      run_id: run.id,
    };
  }
}

/** The `done` payload of a run canceled while it was still queued. */
function canceledBeforeStart(run: Run): ExecuteResult {
  return {
    success: false,
    runbook: run.runbook,
    return_code: -15,
    stdout: '',
    stderr: '',
    errors: ['Run canceled before it started'],
    warnings: [],
    run_id: run.id,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
