import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Run } from '@runbooks/history';
import type { RunSummary } from '@runbooks/types';

import { RunStoreHolder } from './run-store.provider';

/** The latest run of each runbook, kept in memory so listings need no query per runbook. */
@Injectable()
export class LastRunIndex implements OnApplicationBootstrap {
  private readonly latest = new Map<string, RunSummary>();
  private changes = 0;

  constructor(private readonly holder: RunStoreHolder) {}

  async onApplicationBootstrap(): Promise<void> {
    const page = await this.holder.store.list({}, { limit: 500, includeOutput: false });
    for (const run of [...page.items].reverse()) this.note(run);
  }

  /** Records a run's latest state (newer runs replace older ones). */
  note(run: Run): void {
    const current = this.latest.get(run.runbook);
    if (current && current.id !== run.id && current.created_at > run.createdAt) return;
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
