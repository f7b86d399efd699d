import { join } from 'node:path';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { openSqliteRunStore, type RunStore } from '@runbooks/history';

import { APP_CONFIG, type AppConfig } from '../config/app-config';

/** Owns the embedded run store (SQLite in `RUNBOOK_DATA_DIR/runs.db`). */
@Injectable()
export class RunStoreHolder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RunStore');
  private opened: RunStore | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The open store. */
  get store(): RunStore {
    if (!this.opened) throw new Error('Run store is not open yet');
    return this.opened;
  }

  async onModuleInit(): Promise<void> {
    this.opened = await openSqliteRunStore({ file: join(this.config.dataDir, 'runs.db') });
    await this.markLeftoversLost();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.opened?.close();
  }

  /** Runs a previous process left queued or running can never finish: they become `lost`. */
  private async markLeftoversLost(): Promise<void> {
    let marked = 0;
    for (;;) {
      const leftovers = await this.store.listByStatus(['queued', 'running'], { limit: 500 });
      for (const run of leftovers) {
        const result = await this.store.transition(
          run.id,
          run.attempt,
          ['queued', 'running'],
          'lost',
          { errors: [...run.errors, 'The server stopped before this run finished'] },
        );
        if (result.applied) marked++;
      }
      if (leftovers.length < 500) break;
    }
    if (marked > 0)
      this.logger.warn(`Marked ${marked} unfinished run(s) from a previous process as lost`);
  }
}
