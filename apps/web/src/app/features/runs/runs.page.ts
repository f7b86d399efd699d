import { BreakpointObserver } from '@angular/cdk/layout';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink } from '@angular/router';
import { parseLabelFilter } from '@runbooks/event-stream';
import type { RunRecord } from '@runbooks/types';
import { map } from 'rxjs';
import { RunbooksApi } from '../../core/api/runbooks-api';
import { RunsApi, type RunFilters } from '../../core/api/runs-api';
import { RUN_STATUSES, isRunStatus, statusLabel } from '../../core/format/run-status';
import { elapsedMs, formatDuration, formatTimestamp } from '../../core/format/time-format';
import { asyncState } from '../../shared/async-state';
import { EmptyState } from '../../shared/empty-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';
import { StatusChip } from '../../shared/status-chip';

/** Page sizes offered. */
export const PAGE_SIZES = [10, 20, 50, 100] as const;

/** Reads a page size from a query parameter (default 20). */
export function pageSizeOf(raw: string | undefined): number {
  const n = Number(raw);
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : 20;
}

/** Why a typed label filter cannot be used (`team` without `=value`), or null. */
export function labelProblemOf(text: string): string | null {
  if (text.trim() === '') return null;
  const parsed = parseLabelFilter(text);
  return parsed.ok ? null : 'Write the label filter as key=value, e.g. team=core';
}

/** The table of runs: filters (status, runbook, user, label) in the URL, cursor paging. */
@Component({
  selector: 'rb-runs-page',
  imports: [
    FormsModule,
    RouterLink,
    MatButtonModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatSelectModule,
    MatTableModule,
    MatTooltipModule,
    EmptyState,
    ErrorPanel,
    LoadingState,
    StatusChip,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './runs.page.html',
  styleUrl: './runs.page.scss',
})
export class RunsPage {
  private readonly runsApi = inject(RunsApi);
  private readonly runbooksApi = inject(RunbooksApi);
  private readonly router = inject(Router);

  /** Query parameters. */
  readonly status = input<string | undefined>();
  readonly runbook = input<string | undefined>();
  readonly user = input<string | undefined>();
  readonly label = input<string | undefined>();
  readonly limit = input<string | undefined>();
  readonly cursor = input<string | undefined>();

  protected readonly statuses = RUN_STATUSES;
  protected readonly pageSizes = PAGE_SIZES;
  protected readonly statusLabel = statusLabel;
  protected readonly formatTimestamp = formatTimestamp;

  /** The form's working copy; applied to the URL on submit. */
  protected readonly draft = {
    status: '' as string,
    runbook: '' as string,
    user: '' as string,
    label: '' as string,
  };

  protected readonly filters = computed<RunFilters>(() => {
    const status = this.status();
    return {
      status: isRunStatus(status) ? status : '',
      runbook: this.runbook() ?? '',
      requestedBy: this.user() ?? '',
      label: this.label() ?? '',
    };
  });
  protected readonly pageSize = computed(() => pageSizeOf(this.limit()));
  /** Why the label filter (typed, or from the URL) cannot be used; null when it can. */
  protected readonly labelProblem = signal<string | null>(null);
  protected readonly hasFilters = computed(() => {
    const f = this.filters();
    return !!(f.status || f.runbook || f.requestedBy || f.label);
  });

  protected readonly page = asyncState(() =>
    this.runsApi.list(this.filters(), this.pageSize(), this.cursor() ?? null),
  );
  protected readonly runbookNames = asyncState(async () =>
    (await this.runbooksApi.list()).map((r) => r.filename),
  );
  /** Cursors of the pages before this one (for "Previous"). */
  private readonly previousCursors = signal<(string | null)[]>([]);
  protected readonly hasPrevious = computed(() => this.previousCursors().length > 0);
  protected readonly pageNumber = computed(() => this.previousCursors().length + 1);

  private readonly isNarrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 719px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly columns = computed(() =>
    this.isNarrow()
      ? ['status', 'runbook', 'created']
      : ['status', 'runbook', 'requestedBy', 'labels', 'created', 'duration', 'exitCode'],
  );

  constructor() {
    void this.runbookNames.load();
    effect(() => {
      const f = this.filters();
      this.pageSize();
      this.cursor();
      untracked(() => {
        this.draft.status = f.status ?? '';
        this.draft.runbook = f.runbook ?? '';
        this.draft.user = f.requestedBy ?? '';
        this.draft.label = f.label ?? '';
        const problem = labelProblemOf(f.label ?? '');
        this.labelProblem.set(problem);
        // A label filter that is not key=value would silently match every run: ask instead.
        if (problem === null) void this.page.load();
      });
    });
  }

  protected apply(): void {
    const problem = labelProblemOf(this.draft.label);
    this.labelProblem.set(problem);
    if (problem !== null) return;
    this.previousCursors.set([]);
    this.navigate({
      status: this.draft.status || null,
      runbook: this.draft.runbook.trim() || null,
      user: this.draft.user.trim() || null,
      label: this.draft.label.trim() || null,
      cursor: null,
    });
  }

  protected clear(): void {
    this.draft.status = '';
    this.draft.runbook = '';
    this.draft.user = '';
    this.draft.label = '';
    this.apply();
  }

  protected setPageSize(size: number): void {
    this.previousCursors.set([]);
    this.navigate({ limit: size === 20 ? null : size, cursor: null });
  }

  protected next(): void {
    const nextCursor = this.page.value()?.nextCursor;
    if (!nextCursor) return;
    this.previousCursors.update((stack) => [...stack, this.cursor() ?? null]);
    this.navigate({ cursor: nextCursor });
  }

  protected previous(): void {
    const stack = this.previousCursors();
    if (!stack.length) return;
    const cursor = stack[stack.length - 1] ?? null;
    this.previousCursors.set(stack.slice(0, -1));
    this.navigate({ cursor });
  }

  protected duration(run: Partial<RunRecord>): string {
    if (!run.finished_at) return run.status === 'running' ? 'running' : '—';
    return formatDuration(elapsedMs(run.started_at ?? run.created_at, run.finished_at, Date.now()));
  }

  protected labelsOf(run: Partial<RunRecord>): string[] {
    return Object.entries(run.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  }

  protected open(run: Partial<RunRecord>): void {
    if (run.id) void this.router.navigate(['/runs', run.id]);
  }

  private navigate(params: Record<string, string | number | null>): void {
    void this.router.navigate([], { queryParams: params, queryParamsHandling: 'merge' });
  }
}
