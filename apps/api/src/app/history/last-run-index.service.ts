import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { isTerminalStatus, type Run, type RunStore } from '@runbooks/history';
import type { RunSummary } from '@runbooks/types';

import { RUN_STORE } from './run-store.provider';

/** How often the index re-reads the store (other processes may change runs). */
const REFRESH_MS = 5_000;

/** The latest run of each runbook, kept in memory so listings need no query per runbook. */
@Injectable()
export class LastRunIndex implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly latest = new Map<string, RunSummary>();
  private changes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(@Inject(RUN_STORE) private readonly store: RunStore) {}

  async onApplicationBootstrap(): Promise<void> {
    const page = await this.store.list({}, { limit: 500, includeOutput: false });
    for (const run of [...page.items].reverse()) this.note(run);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Picks up runs created elsewhere and the progress of unfinished ones. */
  private async refresh(): Promise<void> {
    const page = await this.store.list({}, { limit: 100, includeOutput: false });
    for (const run of [...page.items].reverse()) this.note(run);
    for (const summary of [...this.latest.values()]) {
      if (isTerminalStatus(summary.status)) continue;
      const run = await this.store.get(summary.id);
      if (run) this.note(run);
    }
  }

  /** Records a run's latest state (newer runs replace older ones). */
  note(run: Run): void {
    const current = this.latest.get(run.runbook);
    if (current && current.id !== run.id && current.created_at > run.createdAt) return;
    if (
      current?.id === run.id &&
      current.status === run.status &&
      current.finished_at === run.finishedAt &&
      current.return_code === run.returnCode
    )
      return;
    this.changes++;
    this.latest.set(run.runbook, {
      id: run.id,
      status: run.status,
      created_at: run.createdAt,
      finished_at: run.finishedAt,
      return_code: run.returnCode,
    });
  }

  /** Changes whenever a latest run changes: a cache key for listings that show them. */
  get version(): number {
    return this.changes;
  }

  /** The latest run of a runbook, or null. */
  get(filename: string): RunSummary | null {
    return this.latest.get(filename) ?? null;
  }
}
