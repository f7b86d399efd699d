import { JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { ConfigItem } from '@runbooks/types';
import { SystemApi, type HealthReport } from '../../core/api/system-api';
import { AuthService } from '../../core/auth/auth.service';
import { formatTimestamp } from '../../core/format/time-format';
import { ServerInfo } from '../../core/server-info';
import { asyncState } from '../../shared/async-state';
import { EmptyState } from '../../shared/empty-state';
import { ErrorPanel } from '../../shared/error-panel';
import { LoadingState } from '../../shared/loading-state';

/** One row of a health report: indicator name, up/down, and any detail fields. */
export interface HealthRow {
  name: string;
  status: string;
  detail: string;
}

/** Flattens a terminus report into rows (details hold every indicator, up or down). */
export function healthRows(report: HealthReport | undefined): HealthRow[] {
  if (!report) return [];
  const all = { ...(report.info ?? {}), ...(report.error ?? {}), ...(report.details ?? {}) };
  return Object.entries(all).map(([name, indicator]) => {
    const { status, ...rest } = indicator;
    const detail = Object.entries(rest)
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
    return { name, status: String(status), detail };
  });
}

/** How a configuration value is shown: secrets say whether they are set, never a value. */
export function configValueText(item: ConfigItem): { text: string; isSecret: boolean } {
  // The server masks every secret as the word "secret" (the reference's wire format); whether it
  // is set is told by where it came from.
  if (item.value !== 'secret') return { text: item.value, isSecret: false };
  return {
    text: item.from === 'default' ? 'Not set (secret)' : 'Set (secret, hidden)',
    isSecret: true,
  };
}

/** Token information, configuration items and server health. */
@Component({
  selector: 'rb-admin-page',
  imports: [
    JsonPipe,
    MatButtonModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatTableModule,
    MatTooltipModule,
    EmptyState,
    ErrorPanel,
    LoadingState,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './admin.page.html',
  styleUrl: './admin.page.scss',
})
export class AdminPage {
  private readonly api = inject(SystemApi);
  protected readonly auth = inject(AuthService);
  protected readonly server = inject(ServerInfo);

  protected readonly config = asyncState(() => this.api.config());
  protected readonly live = asyncState(() => this.api.health('live'));
  protected readonly ready = asyncState(() => this.api.health('ready'));
  protected readonly configQuery = signal('');
  protected readonly configValueText = configValueText;

  protected readonly configItems = computed(() => {
    const q = this.configQuery().trim().toLowerCase();
    const items = this.config.value()?.config_items ?? [];
    return q
      ? items.filter((i) => i.name.toLowerCase().includes(q) || i.value.toLowerCase().includes(q))
      : items;
  });
  protected readonly readyRows = computed(() => healthRows(this.ready.value()));
  protected readonly liveRows = computed(() => healthRows(this.live.value()));
  protected readonly sessionExpiry = computed(() => {
    const at = this.auth.session()?.expiresAt;
    return at ? formatTimestamp(new Date(at).toISOString()) : 'never';
  });

  constructor() {
    void this.server.ensureLoaded();
    this.refreshHealth();
    void this.config.load();
  }

  protected refreshHealth(): void {
    void this.live.load();
    void this.ready.load();
  }
}
