import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type Provider,
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

/** Injection token of the open {@link RunStore}. */
export const RUN_STORE = Symbol('RUN_STORE');

/** The open store with what its process holds while it is open. */
interface OpenedRunStore {
  store: RunStore;
  /** The embedded mode's ownership of `RUNBOOK_DATA_DIR` (one server per folder). */
  ownership: ProcessLock | null;
}

const OPENED_RUN_STORE = Symbol('OPENED_RUN_STORE');
const logger = new Logger('RunStore');

/**
 * Opens the run store before anything uses it: SQLite in `RUNBOOK_DATA_DIR/runs.db` (embedded), or
 * PostgreSQL at `DATABASE_URL` (distributed, with the event outbox).
 */
async function openRunStore(config: AppConfig): Promise<OpenedRunStore> {
  const distributed = config.distributed;
  if (!distributed) {
    const ownership = takeDataDir(config.dataDir);
    try {
      const store = await openSqliteRunStore({ file: join(config.dataDir, 'runs.db') });
      return { store, ownership };
    } catch (error) {
      ownership.release();
      throw error;
    }
  }
  return { store: await openPostgres(distributed.databaseUrl), ownership: null };
}

/** Opens PostgreSQL, retrying with back-off while it is unavailable; gives up after a while. */
async function openPostgres(connectionString: string): Promise<PostgresRunStore> {
  const deadline = Date.now() + PG_BOOT_WAIT_MS;
  let waitMs = 250;
  for (;;) {
    try {
      return await openPostgresRunStore({
        connectionString,
        outbox: true,
        onPoolError: (error) => logger.warn(`PostgreSQL: ${error.message}`),
      });
    } catch (error) {
      if (!isHistoryError(error, 'STORE_UNAVAILABLE') || Date.now() > deadline) {
        throw new StartupError(
          `Cannot open the run store on PostgreSQL (DATABASE_URL): ${(error as Error).message}`,
          { cause: error },
        );
      }
      logger.warn(`PostgreSQL is unavailable, retrying in ${waitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs = Math.min(waitMs * 2, 5000);
    }
  }
}

/**
 * Embedded mode: one server per `RUNBOOK_DATA_DIR`. Its start-up marks unfinished runs `lost`,
 * which would wreck the runs of a second server on the same folder, so a second one refuses to
 * start. The lock dies with its process, so a crashed server never blocks its successor.
 */
function takeDataDir(dataDir: string): ProcessLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'server.lock');
  const lock = tryProcessLock(path);
  if (lock) return lock;
  const owner = readProcessLockOwner(path);
  const holder = owner
    ? `pid ${owner.pid} on ${owner.hostname}, since ${owner.acquiredAt}`
    : 'another process';
  throw new StartupError(
    `RUNBOOK_DATA_DIR ${dataDir} is in use by another Runbooks server (${holder}). ` +
      'Give each server its own RUNBOOK_DATA_DIR, or share runs between servers with the ' +
      'distributed mode (DATABASE_URL).',
  );
}

/** Closes the store and gives up the data dir when the application shuts down. */
@Injectable()
export class RunStoreLifetime implements OnApplicationShutdown {
  constructor(@Inject(OPENED_RUN_STORE) private readonly opened: OpenedRunStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.opened.store.close();
    this.opened.ownership?.release();
  }
}

/** The providers of the run store: the opened store, `RUN_STORE`, and its lifetime. */
export const runStoreProviders: Provider[] = [
  { provide: OPENED_RUN_STORE, inject: [APP_CONFIG], useFactory: openRunStore },
  {
    provide: RUN_STORE,
    inject: [OPENED_RUN_STORE],
    useFactory: (opened: OpenedRunStore) => opened.store,
  },
  RunStoreLifetime,
];
