import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Run, RunStore } from '@runbooks/history';
import type { RunApproval } from '@runbooks/types';

import type { Caller } from '../auth/caller';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { AppError } from '../errors/app-error';
import { HistoryRecorder, type HistoryFacts } from '../history/history-recorder.service';
import { NO_OUTPUT } from '../history/output-tail';
import { pythonIsoFormat } from '../history/python-iso-format';
import { RUN_STORE } from '../history/run-store.provider';
import { approvalNote } from './approval-note';
import { RunLifecycle } from './run-lifecycle.service';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { entrySha256 } from './runbook-digest';
import { RunVisibility } from './run-visibility.service';

/** A run that waits for approval, with its gate. */
type PendingRun = Run & { approval: RunApproval };
/** Rounds of re-reading when other deciders keep winning the compare-and-set. */
const MAX_DECISION_ROUNDS = 20;
/** Longest comment or rejection reason. */
export const MAX_DECISION_TEXT = 500;
/** Most store pages read to fill one page of `GET /api/approvals`. */
const MAX_SCANNED_PAGES = 20;

/**
 * Approve, reject and expire runs that wait for approval. Every decision is a fenced change
 * through the lifecycle (compare and set on the run's approval state), so deciders on any API
 * instance at the same moment end with one outcome, and the run is queued once.
 */
@Injectable()
export class RunApprovals {
  private readonly logger = new Logger('Approvals');

  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly lifecycle: RunLifecycle,
    private readonly visibility: RunVisibility,
    private readonly catalog: RunbookCatalog,
    private readonly history: HistoryRecorder,
  ) {}

  /** Records the caller's approval; the run as it is afterwards (queued or later once complete). */
  async approve(id: string, caller: Caller, comment: string | null): Promise<Run> {
    for (let round = 0; round < MAX_DECISION_ROUNDS; round++) {
      const run = this.decidable(await this.visibility.visibleRun(id, caller), caller, 'approve');
      if (run.approval.approvals.some((entry) => entry.by === caller.userId))
        throw new AppError('CONFLICT', `You already approved run ${id}`);
      const next: RunApproval = {
        ...run.approval,
        approvals: [
          ...run.approval.approvals,
          { by: caller.userId, at: new Date().toISOString(), comment },
        ],
      };
      const isComplete = next.approvals.length >= next.required;
      if (isComplete && (await this.runbookChanged(run))) {
        const expired = await this.endUnstarted(run, 'expired', next, [
          'The runbook changed since the run was requested; it was not started',
        ]);
        if (!expired) continue;
        await this.audit(run, caller, 'approve', comment);
        return expired;
      }
      const outcome = await this.lifecycle.recordApproval(
        run,
        next,
        isComplete ? 'queued' : 'pending_approval',
      );
      if (!outcome.applied) continue;
      await this.audit(run, caller, 'approve', comment);
      if (!isComplete) return outcome.run;
      await this.enqueue(outcome.run);
      return (await this.store.get(id)) ?? outcome.run;
    }
    throw new AppError('CONFLICT', `Run ${id} is being decided by others; try again`);
  }

  /** Ends a pending run `rejected`, with who and why. */
  async reject(id: string, caller: Caller, reason: string): Promise<Run> {
    const run = this.decidable(await this.visibility.visibleRun(id, caller), caller, 'reject');
    const next: RunApproval = { ...run.approval, rejected_by: caller.userId, reason };
    const rejected = await this.endUnstarted(run, 'rejected', next, []);
    if (!rejected) {
      const current = await this.store.get(id);
      throw new AppError(
        'CONFLICT',
        `Run ${id} is not pending approval (status: ${current?.status ?? 'unknown'})`,
      );
    }
    await this.audit(run, caller, 'reject', reason);
    return rejected;
  }

  /** Ends a pending run whose request was not decided in time; false when it was decided first. */
  async expire(run: PendingRun): Promise<boolean> {
    const ended = await this.endUnstarted(run, 'expired', run.approval, [
      `Not approved before ${run.approval.expires_at}: the request expired`,
    ]);
    if (ended) await this.audit(run, null, 'expire', null);
    return ended !== null;
  }

  /** Runs pending approval the caller could approve now, newest first (one page). */
  async pendingFor(
    caller: Caller,
    limit: number,
    cursor: string | null,
  ): Promise<{ items: Run[]; nextCursor: string | null }> {
    const items: Run[] = [];
    let next = cursor;
    for (let page = 0; page < MAX_SCANNED_PAGES && items.length < limit; page++) {
      const result = await this.store.list(
        { status: 'pending_approval' },
        { limit: limit - items.length, cursor: next, includeOutput: false },
      );
      items.push(...result.items.filter((run) => this.couldApprove(run, caller)));
      next = result.nextCursor;
      if (!next) break;
    }
    return { items, nextCursor: next };
  }

  /** Whether the caller could approve this run now. */
  couldApprove(run: Run, caller: Caller): boolean {
    const gate = run.approval;
    return (
      run.status === 'pending_approval' &&
      gate !== null &&
      this.visibility.isApprover(gate.approvers, caller) &&
      (gate.allow_self_approval || run.requestedBy !== caller.userId) &&
      !gate.approvals.some((entry) => entry.by === caller.userId)
    );
  }

  /** The run when it waits for approval and the caller may decide it; 409/403 otherwise. */
  private decidable(run: Run, caller: Caller, action: 'approve' | 'reject'): PendingRun {
    if (run.status !== 'pending_approval' || run.approval === null)
      throw new AppError(
        'CONFLICT',
        `Run ${run.id} is not pending approval (status: ${run.status})`,
      );
    const gate = run.approval;
    // Distinct approvers are told apart by their subject: a token without one cannot decide.
    if (!caller.userId)
      throw new AppError(
        'FORBIDDEN',
        `Your token has no subject (sub), so a decision on run ${run.id} could not say who made it`,
      );
    if (!this.visibility.isApprover(gate.approvers, caller))
      throw new AppError(
        'FORBIDDEN',
        `You may not ${action} run ${run.id}: approvers must hold ${describeClaims(gate.approvers)}`,
      );
    if (!gate.allow_self_approval && run.requestedBy === caller.userId)
      throw new AppError(
        'FORBIDDEN',
        action === 'approve'
          ? `You requested run ${run.id}, so you may not approve it (four-eyes): another approver must`
          : `You requested run ${run.id}: cancel it to withdraw the request instead of rejecting it`,
      );
    return { ...run, approval: gate };
  }

  /** Whether the runbook's text (before History) differs from what was requested. */
  private async runbookChanged(run: Run): Promise<boolean> {
    const entry = await this.catalog.get(run.runbook).catch(() => null);
    return entry === null || run.runbookSha256 === null || entrySha256(entry) !== run.runbookSha256;
  }

  /**
   * Ends a pending run without starting it (rejected, expired); the run afterwards, or null when
   * another decision came first. Its request details (variables, token) are dropped.
   */
  private async endUnstarted(
    run: PendingRun,
    status: 'rejected' | 'expired',
    approval: RunApproval,
    errors: string[],
  ): Promise<Run | null> {
    const message = errors.join('\n');
    const settled = await this.lifecycle.settle(run, {
      status,
      from: ['pending_approval'],
      patch: { returnCode: null, approval, errors: [...run.errors, ...errors], stderr: message },
      history: this.historyFacts(run, approval, status),
      reason: status === 'rejected' ? `rejected by ${approval.rejected_by ?? 'unknown'}` : message,
      historyOnceApplied: true,
    });
    if (!settled.applied) return null;
    await this.ports.requests.delete(run.id).catch(() => undefined);
    return settled.run;
  }

  private historyFacts(
    run: Run,
    approval: RunApproval,
    status: 'rejected' | 'expired',
  ): HistoryFacts {
    const now = new Date();
    return {
      filename: run.runbook,
      operation: 'execute',
      startedAt: new Date(run.createdAt),
      finishedAt: now,
      returnCode: 1,
      runId: run.id,
      stdout: NO_OUTPUT,
      stderr: NO_OUTPUT,
      errors: [],
      warnings: [],
      approval: approvalNote(approval, status),
      breadcrumb: {
        at_time: pythonIsoFormat(new Date(run.createdAt)),
        by_user: run.requestedBy,
        from_ip: '',
        correlation_id: run.correlationId,
        recursion_stack: run.recursionStack,
        roles: run.roles,
      },
    };
  }

  /** Hands an approved run to the queue; if that fails the reconciler queues it later. */
  private async enqueue(run: Run): Promise<void> {
    // A run with Concurrency slots takes its place in the waiting line (in request order) and
    // says what it waits for; its claim decides whether it may start.
    if (run.slots.length > 0) await this.lifecycle.admit(run).catch(() => null);
    const queue = run.recursionStack.length > 1 ? this.ports.nestedQueue : this.ports.queue;
    await queue.enqueue(run.id).catch((error: unknown) => {
      this.logger.warn(`Run ${run.id} was approved but could not be queued yet: ${String(error)}`);
    });
  }

  /** One audit record per decision, with the decider's sub. */
  private async audit(
    run: Run,
    caller: Caller | null,
    decision: 'approve' | 'reject' | 'expire',
    text: string | null,
  ): Promise<void> {
    const by = caller?.userId || 'system';
    await this.history.recordDecision(
      { run_id: run.id, decision, by, text },
      {
        filename: run.runbook,
        breadcrumb: {
          at_time: pythonIsoFormat(new Date()),
          by_user: by,
          from_ip: '',
          correlation_id: run.correlationId,
          recursion_stack: run.recursionStack,
          roles: caller?.roles ?? [],
        },
      },
    );
  }
}

/** `roles: lead or sre-oncall; team: ops` */
function describeClaims(claims: Record<string, string[]>): string {
  return Object.entries(claims)
    .map(([name, values]) => `${name}: ${values.join(' or ')}`)
    .join('; ');
}
