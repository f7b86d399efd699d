import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import type { ApiError } from '../core/api/api-error';

/** Explains a failed call (what happened and what to do) with an optional retry button. */
@Component({
  selector: 'rb-error-panel',
  imports: [MatButtonModule, MatIconModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (error(); as e) {
      <div class="panel" role="alert" [attr.data-kind]="e.kind">
        <mat-icon [svgIcon]="e.kind === 'rate-limited' ? 'warning' : 'error'" aria-hidden="true" />
        <div class="text">
          <strong class="title">{{ heading() ?? e.title }}</strong>
          <span class="message">{{ e.message }}</span>
          @if (e.status > 0) {
            <span class="status">HTTP {{ e.status }}</span>
          }
        </div>
        @if (retryable()) {
          <button mat-stroked-button type="button" (click)="retry.emit()">
            <mat-icon svgIcon="refresh" aria-hidden="true" />Try again
          </button>
        }
      </div>
    }
  `,
  styles: `
    .panel {
      display: flex;
      gap: 12px;
      align-items: flex-start;
      flex-wrap: wrap;
      padding: 12px 16px;
      border-radius: 12px;
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    .panel[data-kind='rate-limited'] {
      background: var(--rb-warn-container);
      color: var(--rb-on-warn-container);
    }
    .text {
      display: flex;
      flex-direction: column;
      gap: 2px;
      flex: 1 1 240px;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    .title {
      font: var(--mat-sys-title-small);
    }
    .status {
      font: var(--mat-sys-label-small);
      opacity: 0.8;
    }
  `,
})
export class ErrorPanel {
  /** The error to explain; nothing is shown when null. */
  readonly error = input.required<ApiError | null>();
  /** Overrides the error's own heading. */
  readonly heading = input<string | null>(null);
  /** Whether to offer "Try again". */
  readonly retryable = input(true);
  /** Emitted by "Try again". */
  readonly retry = output<void>();
}
