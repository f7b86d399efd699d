import { Inject, Injectable } from '@nestjs/common';
import type { Run, RunStore } from '@runbooks/history';
import { evaluateClaims } from '@runbooks/rbac';

import type { Caller } from '../auth/caller';
import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { RUN_STORE } from '../history/run-store.provider';
import { RunbookAccess } from '../runbooks/runbook-access.service';

/** Per-request memo of runbook-level visibility (one catalog read per runbook per page). */
export type VisibilityCache = Map<string, boolean>;

/**
 * Who may see and stop a run, in one place for REST and MCP: admins see every run; others see
 * runs of runbooks whose Required Claims they satisfy, or whose approver claims they satisfy
 * (the runbook's Approval section, or the gate recorded on the run). Only a run's requester or
 * an admin may cancel it.
 */
@Injectable()
export class RunVisibility {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly catalog: RunbookCatalog,
    private readonly access: RunbookAccess,
  ) {}

  /** The run when the caller may see it; 404 otherwise (an unknown and a hidden run look alike). */
  async visibleRun(id: string, caller: Caller): Promise<Run> {
    const run = await this.store.get(id);
    if (!run || !(await this.canSee(run, caller))) {
      throw new AppError('NOT_FOUND', `Run not found: ${id}`);
    }
    return run;
  }

  /** Whether the caller may see the run; pass one cache per request when checking many runs. */
  async canSee(run: Run, caller: Caller, cache: VisibilityCache = new Map()): Promise<boolean> {
    let allowed = cache.get(run.runbook);
    if (allowed === undefined) {
      allowed = this.isAdmin(caller) || (await this.mayRunOrApprove(run.runbook, caller));
      cache.set(run.runbook, allowed);
    }
    return allowed || (run.approval !== null && this.isApprover(run.approval.approvers, caller));
  }

  /** 403 unless the caller requested the run or is an admin. */
  assertMayCancel(run: Run, caller: Caller): void {
    if (run.requestedBy === caller.userId || this.isAdmin(caller)) return;
    throw new AppError(
      'FORBIDDEN',
      `Only the user who started run ${run.id} (${run.requestedBy || 'unknown'}) or an admin may cancel it`,
    );
  }

  /** Whether the caller's token satisfies these approver claims. */
  isApprover(approvers: Record<string, string[]>, caller: Caller): boolean {
    return evaluateClaims(approvers, caller.claims, {
      multiValuedClaims: this.config.security.multiValuedClaims,
    }).allowed;
  }

  /** Whether the caller holds ADMIN_REQUIRED_CLAIMS. */
  isAdmin(caller: Caller): boolean {
    return evaluateClaims(this.config.adminRequiredClaims, caller.claims).allowed;
  }

  private async mayRunOrApprove(filename: string, caller: Caller): Promise<boolean> {
    const entry = await this.catalog.get(filename).catch(() => null);
    if (entry === null) return false;
    if (this.access.canRun(entry, caller)) return true;
    const approval = entry.parsed.runbook.approval;
    return approval !== null && this.isApprover(approval.approvers, caller);
  }
}
