import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { RunStore } from '@runbooks/history';

import { RunLifecycle } from './run-lifecycle.service';
import { RUN_STORE } from '../history/run-store.provider';

const PAGE = 500;

/**
 * Embedded mode (this process owns every run): at boot, runs a previous process left queued or
 * running can never finish; they become `lost`, through the lifecycle like any other settlement.
 * Requests it left waiting for approval end `expired` (their variables were in its memory).
 */
@Injectable()
export class LeftoverRecovery implements OnModuleInit {
  private readonly logger = new Logger('RunStore');

  constructor(
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly lifecycle: RunLifecycle,
  ) {}

  async onModuleInit(): Promise<void> {
    let marked = 0;
    for (;;) {
      const leftovers = await this.store.listByStatus(['queued', 'running'], { limit: PAGE });
      for (const run of leftovers) {
        const settled = await this.lifecycle.settle(run, {
          status: 'lost',
          from: ['queued', 'running'],
          patch: { errors: [...run.errors, 'The server stopped before this run finished'] },
          reason: 'left by a previous process',
        });
        if (settled.applied) marked++;
      }
      if (leftovers.length < PAGE) break;
    }
    if (marked > 0)
      this.logger.warn(`Marked ${marked} unfinished run(s) from a previous process as lost`);
    await this.expireOrphanedRequests();
  }

  /**
   * Requests waiting for approval kept their variables and token in the previous process's
   * memory: they are gone, so the run could never start as requested. They end `expired`.
   */
  private async expireOrphanedRequests(): Promise<void> {
    let expired = 0;
    for (;;) {
      const pending = await this.store.listByStatus(['pending_approval'], { limit: PAGE });
      for (const run of pending) {
        const message =
          'The server restarted while this request waited for approval; its variables are gone: request the run again';
        const settled = await this.lifecycle.settle(run, {
          status: 'expired',
          from: ['pending_approval'],
          patch: { returnCode: null, errors: [...run.errors, message], stderr: message },
          reason: 'left by a previous process',
        });
        if (settled.applied) expired++;
      }
      if (pending.length < PAGE) break;
    }
    if (expired > 0)
      this.logger.warn(`Ended ${expired} request(s) waiting for approval: the server restarted`);
  }
}
