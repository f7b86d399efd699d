import { Inject, Injectable } from '@nestjs/common';
import type { Run, RunStore } from '@runbooks/history';

import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { RUN_STORE } from '../history/run-store.provider';

/**
 * `overlap: queue` of a runbook's Schedule: a scheduled run waits (stays queued) while an earlier
 * scheduled run of its runbook is queued or running. The worker asks before it claims a job; a
 * held job is dropped and the scheduler queues the run again when its turn comes, so the order
 * holds whoever delivers the job (submission, scheduler, reconciler).
 */
@Injectable()
export class ScheduledOverlapGate {
  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly catalog: RunbookCatalog,
  ) {}

  /** True when the run must keep waiting for an earlier scheduled run of its runbook. */
  async mustWait(runId: string): Promise<boolean> {
    const run = await this.store.get(runId);
    if (!run || run.trigger !== 'schedule' || run.status !== 'queued') return false;
    if (!(await this.queues(run))) return false;
    const [first] = await this.store.listFires(run.runbook, {
      statuses: ['queued', 'running'],
      oldestFirst: true,
      limit: 1,
    });
    return first !== undefined && first.id !== run.id;
  }

  private async queues(run: Run): Promise<boolean> {
    try {
      const entry = await this.catalog.get(run.runbook);
      return entry.parsed.runbook.schedule?.overlap === 'queue';
    } catch {
      return false;
    }
  }
}
