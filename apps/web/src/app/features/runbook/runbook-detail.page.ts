import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatTabsModule } from '@angular/material/tabs';
import { MatTooltipModule } from '@angular/material/tooltip';
import { DomSanitizer, type SafeHtml } from '@angular/platform-browser';
import { Router, RouterLink } from '@angular/router';
import { parseRunbook } from '@runbooks/runbook-format';
import type { RunbookListItem } from '@runbooks/types';
import { RunbooksApi } from '../../core/api/runbooks-api';
import { RunsApi } from '../../core/api/runs-api';
import { SchedulesApi } from '../../core/api/schedules-api';
import { nextFireText } from '../schedules/schedule-text';
import { formatRelativeTime, formatTimestamp } from '../../core/format/time-format';
import { asyncState } from '../../shared/async-state';
import { EmptyState } from '../../shared/empty-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';
import { StatusChip } from '../../shared/status-chip';
import { HistoryTimeline } from './history-timeline';
import { renderMarkdown } from './markdown-renderer';
import {
  claimRows,
  customSections,
  approvalSummary,
  retrySummary,
  sectionBody,
  withoutHistory,
} from './runbook-document';
import { RunbookVarsDialog, type VarsDialogData, type VarsDialogMode } from './runbook-vars-dialog';

/** One runbook: rendered document, recognised sections, history timeline, validate and run. */
@Component({
  selector: 'rb-runbook-detail-page',
  imports: [
    RouterLink,
    MatButtonModule,
    MatIconModule,
    MatTabsModule,
    MatTooltipModule,
    EmptyState,
    ErrorPanel,
    HistoryTimeline,
    LoadingState,
    StatusChip,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './runbook-detail.page.html',
  styleUrl: './runbook-detail.page.scss',
})
export class RunbookDetailPage {
  private readonly runbooksApi = inject(RunbooksApi);
  private readonly runsApi = inject(RunsApi);
  private readonly dialog = inject(MatDialog);
  private readonly schedulesApi = inject(SchedulesApi);
  private readonly router = inject(Router);
  private readonly sanitizer = inject(DomSanitizer);

  /** Route parameter: the runbook's file name. */
  readonly filename = input.required<string>();

  protected readonly content = asyncState(() => this.runbooksApi.get(this.filename()));
  /** The list entry carries what the content does not: can_execute, executable, last_run. */
  protected readonly listing = asyncState(async (): Promise<RunbookListItem | null> => {
    const items = await this.runbooksApi.list();
    return items.find((item) => item.filename === this.filename()) ?? null;
  });
  /** The server's view of the runbook's schedule (next and last fire, authorization). */
  protected readonly scheduleInfo = asyncState(() => this.schedulesApi.of(this.filename()));
  protected readonly hasSchedule = computed(
    () => this.runbook()?.sections.some((section) => section.title === 'Schedule') ?? false,
  );
  protected readonly nextFireText = nextFireText;
  protected readonly recentRuns = asyncState(() =>
    this.runsApi.list({ runbook: this.filename() }, 5),
  );

  protected readonly parsed = computed(() => {
    const body = this.content.value();
    return body ? parseRunbook(body.content, { filename: this.filename() }) : null;
  });
  protected readonly runbook = computed(() => this.parsed()?.runbook ?? null);
  protected readonly diagnostics = computed(() => this.parsed()?.diagnostics ?? []);
  protected readonly title = computed(
    () => this.runbook()?.name ?? this.content.value()?.name ?? this.filename(),
  );
  protected readonly descriptionHtml = computed(() => this.html(this.runbook()?.description ?? ''));
  protected readonly documentHtml = computed(() => {
    const body = this.content.value();
    const runbook = this.runbook();
    return body && runbook ? this.html(withoutHistory(body.content, runbook)) : null;
  });
  protected readonly extraSections = computed(() => {
    const body = this.content.value();
    const runbook = this.runbook();
    if (!body || !runbook) return [];
    return customSections(runbook).map((section) => ({
      title: section.title,
      html: this.html(sectionBody(body.content, section)),
    }));
  });
  protected readonly claims = computed(() => {
    const runbook = this.runbook();
    return runbook ? claimRows(runbook) : [];
  });
  protected readonly approval = computed(() => {
    const runbook = this.runbook();
    return runbook ? approvalSummary(runbook) : null;
  });
  protected readonly retry = computed(() => {
    const runbook = this.runbook();
    return runbook ? retrySummary(runbook) : null;
  });
  protected readonly item = computed(() => this.listing.value() ?? null);
  /** False only when the server said so; unknown means "let the server decide". */
  protected readonly canRun = computed(() => this.item()?.can_execute !== false);
  protected readonly hasScript = computed(() => {
    const item = this.item();
    if (item?.executable !== undefined) return item.executable;
    return this.runbook()?.script !== null;
  });
  protected readonly requiredRoles = computed(() => {
    const claims = this.runbook()?.requiredClaims;
    return claims
      ? Object.entries(claims).flatMap(([k, v]) => (k === 'roles' ? v : v.map((x) => `${k}=${x}`)))
      : [];
  });

  protected readonly formatTimestamp = formatTimestamp;
  protected readonly formatRelativeTime = formatRelativeTime;
  protected readonly now = Date.now();

  constructor() {
    // Reload everything when the route points at another runbook.
    effect(() => {
      this.filename();
      untracked(() => this.reload());
    });
  }

  protected reload(): void {
    void this.content.load();
    void this.listing.load();
    void this.recentRuns.load();
    void this.scheduleInfo.load();
  }

  protected open(mode: VarsDialogMode): void {
    const data: VarsDialogData = { filename: this.filename(), name: this.title(), mode };
    const ref = this.dialog.open<RunbookVarsDialog, VarsDialogData, string>(RunbookVarsDialog, {
      data,
      width: '640px',
      maxWidth: '96vw',
      autoFocus: 'first-tabbable',
      ariaLabel: `${mode === 'run' ? 'Run' : 'Validate'} ${this.title()}`,
    });
    ref.afterClosed().subscribe((runId) => {
      if (runId) void this.router.navigate(['/runs', runId]);
    });
  }

  private html(markdown: string): SafeHtml {
    // renderMarkdown() has already sanitised the HTML with DOMPurify.
    return this.sanitizer.bypassSecurityTrustHtml(renderMarkdown(markdown));
  }
}
