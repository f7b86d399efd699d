import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';

/** A friendly "nothing here" block with an icon, a heading and projected detail or actions. */
@Component({
  selector: 'rb-empty-state',
  imports: [MatIconModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="empty" role="status">
      <mat-icon [svgIcon]="icon()" aria-hidden="true" />
      <p class="heading">{{ heading() }}</p>
      <div class="detail"><ng-content /></div>
    </div>
  `,
  styles: `
    .empty {
      display: flex;
      flex-direction: column;
      align-items: center;
      text-align: center;
      gap: 8px;
      padding: 32px 16px;
      color: var(--mat-sys-on-surface-variant);
    }
    mat-icon {
      width: 40px;
      height: 40px;
    }
    .heading {
      font: var(--mat-sys-title-medium);
      margin: 0;
      color: var(--mat-sys-on-surface);
    }
    .detail {
      font: var(--mat-sys-body-medium);
    }
  `,
})
export class EmptyState {
  /** Heading text. */
  readonly heading = input.required<string>();
  /** Registered icon name. */
  readonly icon = input('info');
}
