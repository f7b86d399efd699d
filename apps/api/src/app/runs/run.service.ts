import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { execute, type ExecutionResult } from '@runbooks/executor';
import type { Run, RunStore, TransitionResult } from '@runbooks/history';
import type { ExecuteResult, RunStatus } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { HistoryRecorder } from '../history/history-recorder.service';
import { pythonIsoFormat } from '../history/python-iso-format';
import { MetricsService } from '../metrics/metrics.service';
import { RunbookAccess } from '../runbooks/runbook-access.service';
import { RunbookCatalog, type CatalogEntry } from '../runbooks/runbook-catalog.service';
import { LastRunIndex } from './last-run-index.service';
import { LineSplitter } from './line-splitter';
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
  remoteIp: string;
}

/** A submitted run: its record, and the final result once it settles. */
export interface Submission {
  run: Run;
  result: Promise<ExecuteResult>;
}

/** A run this process owns until it finishes. */
interface ActiveRun {
  /** Correlation id and recursion stack (this run's, including itself): how children find it. */
  correlationId: string;
  stack: string[];
  abort: AbortController;
  canceledBy: string | null;
  cancelReason: string | null;
  finished: Promise<ExecuteResult>;
}

/** A partial line is sent after this much quiet, so progress without newlines still streams. */
const PARTIAL_LINE_FLUSH_MS = 150;
const HEARTBEAT_MS = 10_000;

/**
 * Runs runbooks: every execution is a record before it is a process (queued → running → final),
 * output goes to the store and the live bus in chunks, both histories are written, and runs
 * survive their client disconnecting.
 */
@Injectable()
export class RunService {
  private readonly logger = new Logger('Runs');
  private readonly workerId = `api-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: InProcessRunQueue;
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
  ) {
    this.queue = new InProcessRunQueue(config.maxConcurrentRuns, (running, waiting) => {
      this.metrics.activeRuns.set(running);
      this.metrics.queuedRuns.set(waiting);
    });
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
    const stack = parseRecursionStack(command.recursionHeader);
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
    if (!validation.valid) {
      return this.settleWithoutRunning(
        run,
        validation.errors.join('\n'),
        validation.errors,
        validation.warnings,
      );
    }
    return { run, result: this.enqueue(run, entry, command, newStack, validation.warnings) };
  }

  /** Cancels a queued or running run; returns the record as it is afterwards. */
  async cancel(runId: string, caller: Caller, reason: string | undefined): Promise<Run> {
    const run = await this.store.get(runId);
    if (!run) throw new AppError('NOT_FOUND', `Run not found: ${runId}`);
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

  /** Stops taking new runs (shutdown). */
  stopAccepting(): void {
    this.accepting = false;
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
    const writer = new RunOutputWriter(this.store, this.bus, run.id);
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
    this.bus.publish(run.id, { kind: 'done', result });
    return { run: settled.run ?? run, result: Promise.resolve(result) };
  }

  private enqueue(
    run: Run,
    entry: CatalogEntry,
    command: ExecuteCommand,
    stack: string[],
    warnings: string[],
  ): Promise<ExecuteResult> {
    let settle: (result: ExecuteResult) => void = () => undefined;
    const finished = new Promise<ExecuteResult>((resolve) => (settle = resolve));
    // A sub-runbook called by one of our running scripts carries that run's correlation id and
    // stack; it runs in its parent's slot instead of queueing behind other parents.
    const parentStack = stack.slice(0, -1);
    const isNested = [...this.active.values()].some(
      (other) =>
        other.correlationId === command.correlationId &&
        other.stack.length === parentStack.length &&
        other.stack.every((name, index) => name === parentStack[index]),
    );
    const active: ActiveRun = {
      correlationId: command.correlationId,
      stack,
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
    const result: ExecuteResult = {
      success: false,
      runbook: run.runbook,
      return_code: -15,
      stdout: '',
      stderr: '',
      errors: ['Run canceled before it started'],
      warnings: [],
      run_id: run.id,
    };
    this.bus.publish(run.id, { kind: 'done', result });
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
    const startedAt = new Date();
    this.logger.log(`Run ${run.id} of ${run.runbook} started for ${run.requestedBy || 'unknown'}`);
    const writer = new RunOutputWriter(this.store, this.bus, run.id, claimed.attempt, (error) =>
      this.logger.error(`Could not store output of run ${run.id}: ${(error as Error).message}`),
    );
    const heartbeat = setInterval(
      () => void this.store.heartbeat(run.id, claimed.attempt).catch(() => undefined),
      HEARTBEAT_MS,
    );
    const runbook = entry.parsed.runbook;
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
        },
      },
      {
        executionDir: this.config.executionDir,
        serverEnv: this.config.serverEnv,
        passthroughEnv: this.config.envPassthrough,
        timeoutMs: this.config.scriptTimeoutSeconds * 1000,
        killGraceMs: this.config.killGraceSeconds * 1000,
        maxOutputBytes: this.config.maxOutputSizeBytes,
        signal: active.abort.signal,
      },
    );
    await this.pumpOutput(execution.events, writer);
    const result = await execution.result;
    clearInterval(heartbeat);
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
    const errors: string[] = [];
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
    await this.transition(run.id, attempt, ['running'], status, {
      returnCode: result.returnCode,
      stdout: result.stdout,
      stderr: result.stderr,
      errors: result.failure ? [result.failure.message] : errors,
      warnings,
      canceledBy: active.canceledBy,
      cancelReason: active.cancelReason,
    });
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
    this.bus.publish(run.id, { kind: 'done', result: done });
    return done;
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
    this.bus.publish(run.id, { kind: 'done', result });
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
