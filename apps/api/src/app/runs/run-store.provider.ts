import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  isHistoryError,
  openPostgresRunStore,
  openSqliteRunStore,
  readProcessLockOwner,
  tryProcessLock,
  type PostgresRunStore,
  type ProcessLock,
  type RunStore,
} from '@runbooks/history';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { StartupError } from '../lifecycle/startup-error';

/** How long the boot waits for PostgreSQL before giving up (exit with a clear message). */
const PG_BOOT_WAIT_MS = 60_000;

/**
 * Owns the run store: SQLite in `RUNBOOK_DATA_DIR/runs.db` (embedded), or PostgreSQL at
 * `DATABASE_URL` (distributed).
 */
@Injectable()
export class RunStoreHolder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('RunStore');
  private opened: RunStore | null = null;
  private postgres: PostgresRunStore | null = null;
  private ownership: ProcessLock | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The open store. */
  get store(): RunStore {
    if (!this.opened) throw new Error('Run store is not open yet');
    return this.opened;
  }

  /** The PostgreSQL store (advisory locks, outbox) in the distributed mode; null when embedded. */
  get postgresStore(): PostgresRunStore | null {
    return this.postgres;
  }

  async onModuleInit(): Promise<void> {
    const distributed = this.config.distributed;
    if (!distributed) {
      this.ownership = this.takeDataDir();
      this.opened = await openSqliteRunStore({ file: join(this.config.dataDir, 'runs.db') });
      await this.markLeftoversLost();
      return;
    }
    // Distributed: never mark leftovers lost here (other processes own them); the reconciler
    // leader decides from heartbeats.
    this.postgres = await this.openPostgres(distributed.databaseUrl);
    this.opened = this.postgres;
  }

  /** Opens PostgreSQL, retrying with back-off while it is unavailable; exits after a while. */
  private async openPostgres(connectionString: string): Promise<PostgresRunStore> {
    const deadline = Date.now() + PG_BOOT_WAIT_MS;
    let waitMs = 250;
    for (;;) {
      try {
        return await openPostgresRunStore({
          connectionString,
          outbox: true,
          onPoolError: (error) => this.logger.warn(`PostgreSQL: ${error.message}`),
        });
      } catch (error) {
        if (!isHistoryError(error, 'STORE_UNAVAILABLE') || Date.now() > deadline) {
          throw new StartupError(
            `Cannot open the run store on PostgreSQL (DATABASE_URL): ${(error as Error).message}`,
            { cause: error },
          );
        }
        this.logger.warn(`PostgreSQL is unavailable, retrying in ${waitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        waitMs = Math.min(waitMs * 2, 5000);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.opened?.close();
    this.ownership?.release();
  }

  /**
   * Embedded mode: one server per `RUNBOOK_DATA_DIR`. Its start-up marks unfinished runs `lost`,
   * which would wreck the runs of a second server on the same folder, so a second one refuses to
   * start. The lock dies with its process, so a crashed server never blocks its successor.
   */
  private takeDataDir(): ProcessLock {
    mkdirSync(this.config.dataDir, { recursive: true });
    const path = join(this.config.dataDir, 'server.lock');
    const lock = tryProcessLock(path);
    if (lock) return lock;
    const owner = readProcessLockOwner(path);
    const holder = owner
      ? `pid ${owner.pid} on ${owner.hostname}, since ${owner.acquiredAt}`
      : 'another process';
    const message =
      `RUNBOOK_DATA_DIR ${this.config.dataDir} is in use by another Runbooks server (${holder}). ` +
      'Give each server its own RUNBOOK_DATA_DIR, or share runs between servers with the ' +
      'distributed mode (DATABASE_URL).';
    throw new StartupError(message);
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
