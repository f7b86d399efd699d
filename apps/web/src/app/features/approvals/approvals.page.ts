import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import type { RunRecord } from '@runbooks/types';
import { toApiError, type ApiError } from '../../core/api/api-error';
import { RunsApi } from '../../core/api/runs-api';
import { formatRelativeTime, formatTimestamp } from '../../core/format/time-format';
import { PendingApprovals } from '../../core/runs/pending-approvals';
import { asyncState } from '../../shared/async-state';
import { EmptyState } from '../../shared/empty-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';

/** Runs waiting for an approval the user could give: approve (optional comment) or reject (reason). */
@Component({
  selector: 'rb-approvals-page',
  imports: [
    FormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    EmptyState,
    ErrorPanel,
    LoadingState,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './approvals.page.html',
  styleUrl: './approvals.page.scss',
})
export class ApprovalsPage {
  private readonly runsApi = inject(RunsApi);
  private readonly pending = inject(PendingApprovals);

  protected readonly runs = asyncState(() => this.runsApi.approvals(100));
  /** Comment or reason typed per run id. */
  protected readonly notes = signal<Record<string, string>>({});
  protected readonly busy = signal<string | null>(null);
  protected readonly decisionError = signal<ApiError | null>(null);
  protected readonly message = signal('');
  protected readonly formatTimestamp = formatTimestamp;
  protected readonly now = signal(Date.now());

  constructor() {
    void this.runs.load();
  }

  protected age(run: RunRecord): string {
    return formatRelativeTime(run.created_at, this.now());
  }

  protected labelsOf(run: RunRecord): string {
    return Object.entries(run.labels ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
  }

  protected noteOf(id: string): string {
    return this.notes()[id] ?? '';
  }

  protected setNote(id: string, text: string): void {
    this.notes.update((notes) => ({ ...notes, [id]: text }));
  }

  protected approve(run: RunRecord): Promise<void> {
    return this.decide(run, 'approve');
  }

  protected reject(run: RunRecord): Promise<void> {
    return this.decide(run, 'reject');
  }

  private async decide(run: RunRecord, action: 'approve' | 'reject'): Promise<void> {
    this.busy.set(run.id);
    this.decisionError.set(null);
    try {
      const note = this.noteOf(run.id);
      const after =
        action === 'approve'
          ? await this.runsApi.approve(run.id, note)
          : await this.runsApi.reject(run.id, note);
      this.message.set(
        action === 'approve'
          ? `Approved run ${run.id} of ${run.runbook}: now ${after.status.replace('_', ' ')}`
          : `Rejected run ${run.id} of ${run.runbook}`,
      );
      this.setNote(run.id, '');
    } catch (error) {
      this.decisionError.set(toApiError(error));
    } finally {
      this.busy.set(null);
      this.now.set(Date.now());
      await Promise.all([this.runs.load(), this.pending.refresh()]);
    }
  }
}
