import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { RunStore } from '@runbooks/history';

import { RunLifecycle } from './run-lifecycle.service';
import { RUN_STORE } from '../history/run-store.provider';

const PAGE = 500;

/**
 * Embedded mode (this process owns every run): at boot, runs a previous process left queued or
 * running can never finish; they become `lost`, through the lifecycle like any other settlement.
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
  }
}
