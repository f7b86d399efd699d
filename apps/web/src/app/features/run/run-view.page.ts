import type { ElementRef } from '@angular/core';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  afterRenderEffect,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink } from '@angular/router';
import type { ExecuteResult, RunRecord } from '@runbooks/types';
import { toApiError, type ApiError } from '../../core/api/api-error';
import { RunsApi } from '../../core/api/runs-api';
import { isActiveStatus, statusLabel } from '../../core/format/run-status';
import { elapsedMs, formatDuration, formatTimestamp } from '../../core/format/time-format';
import { LogBuffer, type OutputStream } from '../../core/runs/log-buffer';
import {
  RunEventStream,
  type RunStreamHandle,
  type RunStreamState,
  type ShutdownNotice,
} from '../../core/runs/run-event-stream';
import { asyncState } from '../../shared/async-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';
import { StatusChip } from '../../shared/status-chip';
import { CancelRunDialog, type CancelRunDialogData } from './cancel-run-dialog';
import { approvalText } from './approval-text';
import { runDisplayState } from './run-display-state';

/** Which streams the log shows. */
export type StreamFilter = 'all' | OutputStream;

/** Delays between reloads of a record that is not final yet (the last one repeats). */
const RELOAD_DELAYS_MS = [500, 1000, 2000, 4000, 8000];

/** A file name for the downloaded log: `<runbook stem>-<run id>.log`. */
export function logFileName(runbook: string | undefined, runId: string): string {
  const stem = (runbook ?? 'run').replace(/\.md$/, '').replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${stem}-${runId.replace(/[^A-Za-z0-9._-]+/g, '_')}.log`;
}

/** One run: live output, status, elapsed time, exit code, cancel, download; survives reloads. */
@Component({
  selector: 'rb-run-view-page',
  imports: [
    RouterLink,
    MatButtonModule,
    MatButtonToggleModule,
    MatIconModule,
    MatProgressBarModule,
    MatTooltipModule,
    ErrorPanel,
    LoadingState,
    StatusChip,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './run-view.page.html',
  styleUrl: './run-view.page.scss',
})
export class RunViewPage {
  private readonly runsApi = inject(RunsApi);
  private readonly events = inject(RunEventStream);
  private readonly dialog = inject(MatDialog);

  /** Route parameter: the run id. */
  readonly id = input.required<string>();

  protected readonly record = asyncState(() => this.runsApi.get(this.id()));
  protected readonly approvalText = approvalText;
  protected readonly result = signal<ExecuteResult | null>(null);
  protected readonly streamState = signal<RunStreamState>('connecting');
  protected readonly streamError = signal<ApiError | null>(null);
  protected readonly shutdown = signal<ShutdownNotice | null>(null);
  protected readonly cancelError = signal<ApiError | null>(null);
  protected readonly canceling = signal(false);
  protected readonly pinned = signal(true);
  protected readonly filter = signal<StreamFilter>('all');
  protected readonly now = signal(Date.now());
  /** When the stream said the run ended (until the record has its finish time). */
  private readonly finishedAt = signal<string | null>(null);

  private readonly buffer = new LogBuffer(5000);
  private readonly version = signal(0);
  private flushScheduled = false;
  private handle: RunStreamHandle | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly logPane = viewChild<ElementRef<HTMLElement>>('logPane');

  protected readonly lines = computed(() => {
    this.version();
    const filter = this.filter();
    const lines = this.buffer.lines;
    return filter === 'all' ? lines.slice() : lines.filter((l) => l.stream === filter);
  });
  protected readonly hiddenLines = computed(() => {
    this.version();
    return this.buffer.hiddenLineCount;
  });
  protected readonly hasOutput = computed(() => {
    this.version();
    return this.buffer.size > 0;
  });
  /** The one source of what the page shows (status, activity, exit code, notices). */
  protected readonly display = computed(() =>
    runDisplayState(
      {
        record: this.record.value() ?? null,
        recordError: this.record.error(),
        result: this.result(),
        stream: this.streamState(),
        shutdown: this.shutdown(),
      },
      formatTimestamp,
    ),
  );
  protected readonly status = computed(() => this.display().status);
  protected readonly isActive = computed(() => this.display().isActive);
  protected readonly exitCode = computed(() => this.display().exitCode);
  protected readonly elapsed = computed(() => {
    const rec = this.record.value();
    if (!rec) return null;
    const end = this.isActive() ? null : (rec.finished_at ?? this.finishedAt());
    return elapsedMs(rec.started_at ?? rec.created_at, end, this.now());
  });
  protected readonly streamLabel = computed(() => this.display().streamLabel);
  protected readonly announcement = computed(() => {
    const status = this.status();
    if (!status || isActiveStatus(status)) return '';
    const code = this.exitCode();
    return `Run ${statusLabel(status).toLowerCase()}${code !== null ? `, exit code ${code}` : ''}.`;
  });
  protected readonly problems = computed(() => {
    const fromResult = this.result()?.errors ?? [];
    return fromResult.length ? fromResult : (this.record.value()?.errors ?? []);
  });
  protected readonly labels = computed(() => Object.entries(this.record.value()?.labels ?? {}));

  protected readonly formatDuration = formatDuration;
  protected readonly formatTimestamp = formatTimestamp;

  constructor() {
    const destroyRef = inject(DestroyRef);
    const ticker = setInterval(() => {
      if (this.isActive()) this.now.set(Date.now());
    }, 1000);
    destroyRef.onDestroy(() => {
      clearInterval(ticker);
      this.handle?.stop();
      this.stopReloading();
    });

    effect(() => {
      const id = this.id();
      untracked(() => this.attach(id));
    });

    afterRenderEffect({
      write: () => {
        this.lines();
        const pane = this.logPane()?.nativeElement;
        if (pane && this.pinned()) pane.scrollTop = pane.scrollHeight;
      },
    });
  }

  protected onScroll(pane: HTMLElement): void {
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 24;
    if (atBottom !== this.pinned()) this.pinned.set(atBottom);
  }

  protected togglePinned(): void {
    this.pinned.update((p) => !p);
  }

  protected download(): void {
    const blob = new Blob([this.buffer.text], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = logFileName(this.record.value()?.runbook, this.id());
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  protected cancel(): void {
    const runbook = this.record.value()?.runbook ?? 'this runbook';
    const ref = this.dialog.open<CancelRunDialog, CancelRunDialogData, string>(CancelRunDialog, {
      data: { runbook },
      width: '480px',
      maxWidth: '96vw',
    });
    ref.afterClosed().subscribe((reason) => {
      if (reason !== undefined) void this.confirmCancel(reason);
    });
  }

  protected retryStream(): void {
    this.attach(this.id());
  }

  private async confirmCancel(reason: string): Promise<void> {
    this.canceling.set(true);
    this.cancelError.set(null);
    try {
      const updated: RunRecord = await this.runsApi.cancel(this.id(), reason);
      this.record.set(updated);
    } catch (error) {
      this.cancelError.set(toApiError(error));
    } finally {
      this.canceling.set(false);
    }
  }

  private attach(id: string): void {
    this.handle?.stop();
    this.stopReloading();
    this.buffer.clear();
    this.result.set(null);
    this.finishedAt.set(null);
    this.streamError.set(null);
    this.pinned.set(true);
    this.bump();
    void this.record.load();
    this.handle = this.events.follow(id, {
      output: (stream, data) => {
        this.buffer.append(stream, data);
        this.scheduleFlush();
      },
      done: (result) => {
        this.result.set(result);
        this.finishedAt.set(new Date().toISOString());
        this.bump();
        // The record now has its final status, exit code and finish time.
        this.reloadUntilSettled(0);
      },
      state: (state) => this.streamState.set(state),
      failed: (error) => {
        this.streamError.set(error);
        if (error.kind !== 'not-found' && error.kind !== 'forbidden') this.reloadUntilSettled(0);
      },
      shutdown: (notice) => this.shutdown.set(notice),
    });
  }

  /**
   * Reloads the record until it is final: right after `done` the server may be gone (it stopped
   * mid-run) or not have answered yet; the page then shows the recorded outcome once it can.
   */
  private reloadUntilSettled(attempt: number): void {
    this.stopReloading();
    void this.record.load().then(() => {
      if (this.display().isSettled) return;
      if (this.record.error()?.kind === 'not-found' || this.record.error()?.kind === 'forbidden')
        return;
      const delay = RELOAD_DELAYS_MS[Math.min(attempt, RELOAD_DELAYS_MS.length - 1)] ?? 8000;
      this.reloadTimer = setTimeout(() => this.reloadUntilSettled(attempt + 1), delay);
    });
  }

  private stopReloading(): void {
    if (this.reloadTimer !== null) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
  }

  /** Renders at most once per frame, however fast lines arrive. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const flush = (): void => {
      this.flushScheduled = false;
      this.bump();
    };
    if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible') {
      requestAnimationFrame(flush);
    } else {
      setTimeout(flush, 50);
    }
  }

  private bump(): void {
    this.version.update((v) => v + 1);
  }
}
