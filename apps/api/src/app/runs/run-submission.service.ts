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
}

/** A submitted run: its record, and the final result once it settles (waited for on demand). */
export interface Submission {
  run: Run;
  result: () => Promise<ExecuteResult>;
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
    });
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
    await this.enqueue(run, parent !== null, details);
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
      if (!isDispatchError(error)) throw error;
      const message = 'The run queue is unavailable; the run was not recorded for approval';
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
  private async enqueue(run: Run, nested: boolean, details: RunRequestDetails): Promise<void> {
    try {
      await this.ports.requests.set(run.id, details, REQUEST_TTL_MS);
      await (nested ? this.ports.nestedQueue : this.ports.queue).enqueue(run.id);
      this.worker.refreshQueueGauge();
    } catch (error) {
      if (!isDispatchError(error)) throw error;
      const message = 'The run queue is unavailable; the run was not started';
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
