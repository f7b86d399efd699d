import { Inject, Injectable, Logger } from '@nestjs/common';
import { isDispatchError } from '@runbooks/dispatch';
import type { Run, RunStore } from '@runbooks/history';
import { SECTION_TITLES, type ApprovalPolicy } from '@runbooks/runbook-format';
import type { ExecuteResult, RunTrigger } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { parseRecursionStack, recursionRefusal } from '../http/recursion-stack';
import { RunbookAccess } from '../runbooks/runbook-access.service';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import type { CatalogEntry } from '../catalog/runbook-catalog.service';
import { MetricsService } from '../metrics/metrics.service';
import { sharedLocks, slotsOf } from './concurrency-slots';
import { skippedHistory } from './skipped-history';
import { NestingProofs } from './nesting-proofs';
import { RunLifecycle } from './run-lifecycle.service';
import { RunResults } from './run-results.service';
import { RUN_PORTS, type RunPorts, type RunRequestDetails } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';
import { RunWorker } from './run-worker.service';
import { entrySha256 } from './runbook-digest';

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
  /** What started the run (default `api`) and, for MCP, the client (`<name>/<version>`). */
  trigger?: RunTrigger;
  client?: string | null;
  /** For trigger `schedule`: the fire this run is for (see {@link ScheduledFire}). */
  fire?: ScheduledFire;
}

/** The fire a scheduled run is for. */
export interface ScheduledFire {
  /** The fire time: one run per runbook and fire time (FIRE_EXISTS for the others). */
  scheduledFor: Date;
  /** The run makes up for fires missed while no scheduler was up. */
  missed: boolean;
  /** Set when the fire is recorded without running (overlap, missed): the `skipped` error. */
  skipReason?: string;
}

/** A submitted run: its record, and the final result once it settles (waited for on demand). */
export interface Submission {
  run: Run;
  result: () => Promise<ExecuteResult>;
  /** Set when a Concurrency limit or lock refused the run (`skipped`): why, for the 409. */
  refused?: string;
}

/** How long request details wait for a worker (a run queued longer fails when it starts). */
const REQUEST_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Checks and records an execute request, then queues it: every execution is a record before it
 * is a process. Refusals before the run: 400/404 (bad or missing file) and 403 (RBAC) throw;
 * recursion and validation failures settle at once, with their record.
 */
@Injectable()
export class RunSubmission {
  private readonly logger = new Logger('Runs');
  private accepting = true;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_STORE) private readonly store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
    private readonly lifecycle: RunLifecycle,
    private readonly results: RunResults,
    private readonly nesting: NestingProofs,
    private readonly worker: RunWorker,
    private readonly metrics: MetricsService,
  ) {}

  /** Stops taking new runs (shutdown). */
  stopAccepting(): void {
    this.accepting = false;
  }

  async submit(command: ExecuteCommand): Promise<Submission> {
    if (!this.accepting) throw new AppError('UNAVAILABLE', 'Server is shutting down');
    const entry = await this.catalog.get(command.filename);
    // Only a request proven to come from a running script is nested (the nested queue); its stack
    // is the parent's as recorded, whatever the headers say.
    const parent = await this.verifiedParent(command.nestingProof);
    const stack = parent ? parent.recursionStack : parseRecursionStack(command.recursionHeader);
    const run = await this.lifecycle.create({
      runbook: entry.filename,
      requestedBy: command.caller.userId,
      roles: command.caller.roles,
      correlationId: command.correlationId,
      recursionStack: [...stack, entry.filename],
      labels: command.labels,
      envVarNames: Object.keys(command.envVars),
      trigger: command.trigger ?? 'api',
      client: command.client ?? null,
      runbookSha256: entrySha256(entry),
      // An unreadable Concurrency section gives no slots, and validation refuses the run.
      slots: slotsOf(
        entry.filename,
        entry.parsed.runbook.concurrency,
        command.envVars,
        entry.parsed.runbook.environment,
      ),
      scheduledFor: command.fire?.scheduledFor ?? null,
      missed: command.fire?.missed ?? false,
    });
    if (command.fire?.skipReason !== undefined) {
      const reason = command.fire.skipReason;
      const settled = await this.lifecycle.settle(run, {
        status: 'skipped',
        from: ['queued'],
        patch: { returnCode: null, errors: [reason] },
        reason,
      });
      return { run: settled.run, result: () => Promise.resolve(settled.result) };
    }
    const refusal = recursionRefusal(entry.filename, stack, this.config.maxRecursionDepth);
    if (refusal) {
      this.logger.warn(`Recursion attempt blocked: ${refusal}`);
      return this.refuse(run, refusal, [refusal], []);
    }
    if (entry.parsed.runbook.isEmpty) {
      // Reference §3.6: a file that cannot be loaded is a 500 before anything streams.
      const message = 'Failed to execute runbook: Failed to load runbook';
      await this.lifecycle.settle(run, {
        status: 'failure',
        from: ['queued'],
        patch: { returnCode: 1, errors: [message] },
        reason: message,
      });
      throw new AppError('INTERNAL', message);
    }
    const origin = {
      correlationId: command.correlationId,
      remoteIp: command.remoteIp,
      recursionStack: stack.length > 0 ? stack : null,
    };
    try {
      await this.access.authorize(entry, command.caller, 'execute', origin);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.lifecycle.settle(run, {
        status: 'denied',
        from: ['queued'],
        patch: { returnCode: 403, errors: [message] },
        reason: 'RBAC',
      });
      throw error;
    }
    const validation = await this.access.validate(entry, command.envVars);
    if (!validation.valid) {
      const stderr = validation.errors.join('\n');
      return this.refuse(run, stderr, validation.errors, validation.warnings);
    }
    const deadlock = await this.nestedLockConflict(entry, parent);
    if (deadlock) return this.skip(run, deadlock, 'nested_lock', command.remoteIp);
    const details: RunRequestDetails = {
      // Only declared, non-control variables reach the script (the others are in the warnings).
      envVars: this.access.requestEnv(entry, command.envVars).passed,
      token: command.caller.token,
      remoteIp: command.remoteIp,
      warnings: validation.warnings,
    };
    const gate = entry.parsed.runbook.approval;
    if (gate) return this.holdForApproval(run, gate, details);
    if (
      entry.parsed.runbook.sections.some((section) => section.title === SECTION_TITLES.approval)
    ) {
      // Unreachable while validation refuses an unreadable gate; never let such a run through.
      const message = 'The Approval section of this runbook cannot be read';
      return this.refuse(run, message, [message], validation.warnings);
    }
    const turnedAway = await this.enqueue(run, parent !== null, details);
    if (turnedAway) return this.skip(run, turnedAway.message, turnedAway.reason, command.remoteIp);
    return { run, result: () => this.results.waitFor(run.id) };
  }

  /**
   * A checked run of a runbook with an Approval section waits (`pending_approval`) with its
   * request details kept until it starts or ends; the approval that completes the gate queues it.
   */
  private async holdForApproval(
    run: Run,
    gate: ApprovalPolicy,
    details: RunRequestDetails,
  ): Promise<Submission> {
    const expiresAt = new Date(Date.parse(run.createdAt) + gate.expiresAfterSeconds * 1000);
    try {
      await this.ports.requests.set(
        run.id,
        details,
        gate.expiresAfterSeconds * 1000 + REQUEST_TTL_MS,
      );
    } catch (error) {
      return this.failUnavailable(
        run,
        error,
        'The run queue is unavailable; the run was not recorded for approval',
      );
    }
    const pending = await this.lifecycle.awaitApproval(run, {
      required: gate.count,
      approvers: gate.approvers,
      allow_self_approval: gate.allowSelfApproval,
      approvals: [],
      rejected_by: null,
      reason: null,
      expires_at: expiresAt.toISOString(),
    });
    const current = pending ?? (await this.store.get(run.id)) ?? run;
    return { run: current, result: () => this.results.waitFor(run.id) };
  }

  /**
   * A sub-runbook that needs a lock one of its running ancestors holds would wait for its own
   * parent forever: refused instead. Ancestors are the verified parent's recursion stack.
   */
  private async nestedLockConflict(
    entry: CatalogEntry,
    parent: Run | null,
  ): Promise<string | null> {
    const locks = entry.parsed.runbook.concurrency?.locks ?? [];
    if (!parent || locks.length === 0) return null;
    const held = new Set(parent.slots.map((slot) => slot.key));
    const shared = locks.filter((lock) => held.has(`lock:${lock}`));
    for (const ancestor of parent.recursionStack.slice(0, -1)) {
      const found = await this.catalog.get(ancestor).catch(() => null);
      for (const lock of sharedLocks(locks, new Set(found?.parsed.runbook.concurrency?.locks)))
        if (!shared.includes(lock)) shared.push(lock);
    }
    if (shared.length === 0) return null;
    return `Refused: ${entry.filename} needs lock ${shared.join(', ')}, held by its own parent run ${parent.id} (${parent.runbook}); waiting would deadlock`;
  }

  /**
   * Where a run with Concurrency slots stands once its details are stored: a refusal when it must
   * wait but its section says reject, or more runs wait than max_queued.
   */
  private async admission(
    run: Run,
    entry: CatalogEntry,
  ): Promise<{ message: string; reason: string } | null> {
    const policy = entry.parsed.runbook.concurrency;
    if (run.slots.length === 0 || !policy) return null;
    const waiting = await this.lifecycle.admit(run);
    if (!waiting?.waitingFor) return null;
    const position = waiting.queuePosition ?? 1;
    if (policy.onLimit === 'reject')
      return { message: `Refused: ${waiting.waitingFor} (on_limit: reject)`, reason: 'reject' };
    if (position > policy.maxQueued)
      return {
        message: `Refused: the queue is full (${waiting.waitingFor}; ${position - 1} runs already wait, max_queued: ${policy.maxQueued})`,
        reason: 'queue_full',
      };
    return null;
  }

  /**
   * A run queued behind this process's full MAX_CONCURRENT_RUNS says so (queue_position null).
   * Only where this process runs scripts: an API-only instance cannot see the workers' slots.
   */
  private async noteServerLimit(run: Run, nested: boolean): Promise<void> {
    const worker = this.ports.worker;
    if (!worker || nested) return;
    const counts = await this.ports.queue.counts().catch(() => null);
    if (!counts || counts.waiting === 0 || counts.active < worker.concurrency) return;
    const current = await this.store.get(run.id);
    if (current?.status !== 'queued' || current.waitingFor !== null) return;
    await this.lifecycle.noteWaiting(
      run.id,
      `the server-wide limit of ${worker.concurrency} concurrent runs (MAX_CONCURRENT_RUNS)`,
    );
  }

  /** A run refused by its Concurrency section: `skipped`, never ran, no markdown History. */
  private async skip(
    run: Run,
    message: string,
    reason: string,
    remoteIp: string,
  ): Promise<Submission> {
    this.metrics.concurrencyRefusals.inc({ runbook: run.runbook, reason });
    await this.ports.requests.delete(run.id);
    const settled = await this.lifecycle.settle(run, {
      status: 'skipped',
      from: ['queued'],
      patch: { returnCode: null, errors: [message] },
      reason: message,
      // It never ran: the audit log has it, the runbook's markdown History does not.
      history: skippedHistory(run, message, remoteIp),
    });
    return {
      run: settled.run,
      result: () => Promise.resolve(settled.result),
      refused: message,
    };
  }

  /**
   * Queues a waiting run again (a scheduled run held by `overlap: queue` whose turn came); a
   * no-op when its job is still there, and a delivery that finds it already taken does nothing.
   */
  async release(run: Run): Promise<void> {
    await (run.recursionStack.length > 1 ? this.ports.nestedQueue : this.ports.queue).enqueue(
      run.id,
    );
  }

  /** The running run a nesting proof stands for, or null (no proof, a wrong one, or not running). */
  private async verifiedParent(proof: string | undefined): Promise<Run | null> {
    const parentId = await this.nesting.verify(proof);
    if (!parentId) return null;
    const parent = await this.store.get(parentId);
    return parent?.status === 'running' ? parent : null;
  }

  /**
   * Leaves the request details for the worker, then queues the run. When the queue is away the
   * run fails at once (it never ran) and the caller gets 503.
   */
  private async enqueue(
    run: Run,
    nested: boolean,
    details: RunRequestDetails,
  ): Promise<{ message: string; reason: string } | null> {
    try {
      // Details first: once in its waiting line, the run may be queued by any process.
      await this.ports.requests.set(run.id, details, REQUEST_TTL_MS);
      const entry = await this.catalog.get(run.runbook);
      const refusal = await this.admission(run, entry);
      if (refusal) return refusal;
      await (nested ? this.ports.nestedQueue : this.ports.queue).enqueue(run.id);
      this.worker.refreshQueueGauge();
      await this.noteServerLimit(run, nested);
      return null;
    } catch (error) {
      return this.failUnavailable(
        run,
        error,
        'The run queue is unavailable; the run was not started',
      );
    }
  }

  /**
   * The queue (or the store of request details) was away: the run fails at once, it never ran,
   * and the caller gets 503. Errors that are not the dispatch port's are rethrown as they are.
   */
  private async failUnavailable(run: Run, error: unknown, message: string): Promise<never> {
    if (!isDispatchError(error)) throw error;
    await this.lifecycle
      .settle(run, {
        status: 'failure',
        from: ['queued'],
        patch: { returnCode: 1, errors: [message] },
        reason: error.message,
      })
      .catch(() => undefined);
    throw new AppError('UNAVAILABLE', message);
  }

  /** A run refused before it started (recursion, validation): failed, with its messages. */
  private async refuse(
    run: Run,
    stderr: string,
    errors: string[],
    warnings: string[],
  ): Promise<Submission> {
    await this.store.appendOutput(run.id, [{ stream: 'stderr', data: stderr }]);
    const settled = await this.lifecycle.settle(run, {
      status: 'failure',
      from: ['queued'],
      patch: { returnCode: 1, stderr, errors, warnings },
      lastSeq: 1,
    });
    return { run: settled.run, result: () => Promise.resolve(settled.result) };
  }
}
