import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { HistoryEntry } from '@runbooks/runbook-format';
import { formatTimestamp } from '../../core/format/time-format';
import { EmptyState } from '../../shared/empty-state';

/** Outcome of a history entry, from its exit code. */
export function entryOutcome(entry: HistoryEntry): {
  label: string;
  tone: 'good' | 'bad' | 'warn';
} {
  if (entry.exitCode === 0) return { label: 'Succeeded', tone: 'good' };
  if (entry.exitCode === 403 || entry.error) return { label: 'Denied', tone: 'warn' };
  if (entry.exitCode === -9) return { label: 'Killed (timeout)', tone: 'bad' };
  if (entry.exitCode === null) return { label: 'Unknown outcome', tone: 'warn' };
  return { label: 'Failed', tone: 'bad' };
}

const PAGE = 20;

/** A runbook's History entries as a timeline, newest first, output folded away. */
@Component({
  selector: 'rb-history-timeline',
  imports: [MatButtonModule, EmptyState],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (ordered().length === 0) {
      <rb-empty-state heading="No history yet" icon="runs">
        Each run of this runbook appends an entry here.
      </rb-empty-state>
    } @else {
      <ol class="timeline" aria-label="Run history, newest first">
        @for (entry of visible(); track entry.line) {
          @let outcome = entryOutcome(entry);
          <li class="entry" [attr.data-tone]="outcome.tone">
            <span class="marker" aria-hidden="true"></span>
            <div class="head">
              <time [attr.datetime]="entry.timestamp">{{ formatTimestamp(entry.timestamp) }}</time>
              <span class="outcome">{{ outcome.label }}</span>
              <span class="code">exit code {{ entry.exitCode ?? '?' }}</span>
            </div>
            @if (entry.error) {
              <details open>
                <summary>Error</summary>
                <pre class="out err">{{ entry.error }}</pre>
              </details>
            }
            @if (entry.stdout) {
              <details>
                <summary>Output ({{ lineCount(entry.stdout) }} lines)</summary>
                <pre class="out">{{ entry.stdout }}</pre>
              </details>
            }
            @if (entry.stderr) {
              <details [open]="entry.exitCode !== 0">
                <summary>Errors output ({{ lineCount(entry.stderr) }} lines)</summary>
                <pre class="out err">{{ entry.stderr }}</pre>
              </details>
            }
          </li>
        }
      </ol>
      @if (ordered().length > visible().length) {
        <button mat-stroked-button type="button" (click)="shown.set(shown() + page)">
          Show {{ page }} more ({{ ordered().length - visible().length }} older)
        </button>
      }
    }
  `,
  styles: `
    .timeline {
      list-style: none;
      margin: 0;
      padding: 0 0 0 8px;
    }
    .entry {
      position: relative;
      padding: 0 0 20px 24px;
      border-left: 2px solid var(--mat-sys-outline-variant);
    }
    .entry:last-child {
      border-left-color: transparent;
    }
    .marker {
      position: absolute;
      left: -8px;
      top: 2px;
      width: 14px;
      height: 14px;
      border-radius: 50%;
      background: var(--rb-tone-good);
      border: 2px solid var(--mat-sys-surface);
    }
    [data-tone='bad'] .marker {
      background: var(--rb-tone-bad);
    }
    [data-tone='warn'] .marker {
      background: var(--rb-tone-warn);
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 12px;
      align-items: baseline;
    }
    time {
      font: var(--mat-sys-title-small);
    }
    .outcome {
      font: var(--mat-sys-label-large);
    }
    [data-tone='good'] .outcome {
      color: var(--rb-tone-good);
    }
    [data-tone='bad'] .outcome {
      color: var(--rb-tone-bad);
    }
    [data-tone='warn'] .outcome {
      color: var(--rb-tone-warn);
    }
    .code {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
    details {
      margin-top: 6px;
    }
    summary {
      cursor: pointer;
      color: var(--mat-sys-primary);
    }
    .out {
      margin: 6px 0 0;
      padding: 8px 12px;
      max-height: 320px;
      overflow: auto;
      background: var(--rb-code-bg);
      border-radius: 8px;
      font-size: 12px;
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    .out.err {
      border-left: 3px solid var(--rb-tone-bad);
    }
  `,
})
export class HistoryTimeline {
  /** Entries as parsed from the runbook (file order: oldest first). */
  readonly entries = input.required<readonly HistoryEntry[]>();

  protected readonly page = PAGE;
  protected readonly shown = signal(PAGE);
  protected readonly ordered = computed(() => [...this.entries()].reverse());
  protected readonly visible = computed(() => this.ordered().slice(0, this.shown()));
  protected readonly entryOutcome = entryOutcome;
  protected readonly formatTimestamp = formatTimestamp;

  protected lineCount(text: string): number {
    return text.replace(/\n$/, '').split('\n').length;
  }
}
