import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { statusLabel, statusTone } from '../core/format/run-status';

/** A coloured, labelled run status (colour is never the only signal: the label is always shown). */
@Component({
  selector: 'rb-status-chip',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="chip" [attr.data-tone]="tone()" [attr.data-status]="status()"
    ><span class="dot" aria-hidden="true"></span>{{ label() }}</span
  >`,
  styles: `
    .chip {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 2px 10px;
      border-radius: 999px;
      font: var(--mat-sys-label-medium);
      white-space: nowrap;
      border: 1px solid currentColor;
      color: var(--rb-tone-neutral);
    }
    .dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: currentColor;
    }
    [data-tone='good'] {
      color: var(--rb-tone-good);
    }
    [data-tone='bad'] {
      color: var(--rb-tone-bad);
    }
    [data-tone='warn'] {
      color: var(--rb-tone-warn);
    }
    [data-tone='progress'] {
      color: var(--rb-tone-progress);
    }
    [data-tone='progress'] .dot {
      animation: pulse 1.2s ease-in-out infinite;
    }
    @keyframes pulse {
      50% {
        opacity: 0.3;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      [data-tone='progress'] .dot {
        animation: none;
      }
    }
  `,
})
export class StatusChip {
  /** A run status (`success`, `running`, …). */
  readonly status = input.required<string | null | undefined>();
  protected readonly label = computed(() => statusLabel(this.status()));
  protected readonly tone = computed(() => statusTone(this.status()));
}
