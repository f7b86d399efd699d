import { ChangeDetectionStrategy, Component, inject, type OnDestroy } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink } from '@angular/router';
import { SchedulesApi } from '../../core/api/schedules-api';
import { formatTimestamp } from '../../core/format/time-format';
import { asyncState } from '../../shared/async-state';
import { EmptyState } from '../../shared/empty-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';
import { StatusChip } from '../../shared/status-chip';
import { nextFireText } from './schedule-text';

/** How often the page reads the schedules again (fires change the last status). */
const REFRESH_MS = 15_000;

/** Every schedule the caller may see: next fire, last fire and status, a link to its runs. */
@Component({
  selector: 'rb-schedules-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatIconModule,
    MatTableModule,
    MatTooltipModule,
    RouterLink,
    EmptyState,
    ErrorPanel,
    LoadingState,
    StatusChip,
  ],
  templateUrl: './schedules.page.html',
  styleUrl: './schedules.page.scss',
})
export class SchedulesPage implements OnDestroy {
  private readonly api = inject(SchedulesApi);
  private readonly refresh = setInterval(() => void this.state.load(), REFRESH_MS);

  protected readonly state = asyncState(() => this.api.list());
  protected readonly columns = ['runbook', 'cron', 'next', 'last', 'status', 'authorized', 'runs'];
  protected readonly nextFireText = nextFireText;
  protected readonly formatTimestamp = formatTimestamp;

  constructor() {
    void this.state.load();
  }

  ngOnDestroy(): void {
    clearInterval(this.refresh);
  }
}
