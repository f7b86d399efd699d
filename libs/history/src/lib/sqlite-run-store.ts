import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import { KyselyRunStore } from './kysely-run-store';
import { migrateRunStore } from './migrate-run-store';
import type { KyselyRunStoreOptions } from './kysely-run-store';
import type { RunDatabase } from './run-store-schema';

/** Default SQLite file of the embedded run store, relative to the working directory. */
export const DEFAULT_RUNS_DB_FILE = 'data/runs.db';

/** Options of `openSqliteRunStore`. */
export interface SqliteRunStoreOptions extends KyselyRunStoreOptions {
  /** Database file (parent folders are created) or `:memory:`; default `data/runs.db`. */
  file?: string;
  /** How long a writer waits for another process's lock before SQLITE_BUSY; default 5000 ms. */
  busyTimeoutMs?: number;
}

/** The embedded RunStore: one SQLite file in WAL mode, shareable by several processes. */
export class SqliteRunStore extends KyselyRunStore {
  /** Absolute path of the database file, or `:memory:`. */
  readonly file: string;

  constructor(db: Kysely<RunDatabase>, file: string, options: KyselyRunStoreOptions = {}) {
    super(db, options);
    this.file = file;
  }
}

/** Opens (creating when missing) and migrates the SQLite run store. */
export async function openSqliteRunStore(
  options: SqliteRunStoreOptions = {},
): Promise<SqliteRunStore> {
  const requested = options.file ?? DEFAULT_RUNS_DB_FILE;
  const inMemory = requested === ':memory:';
  const file = inMemory ? requested : resolve(requested);
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });

  const database = new Database(file, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (!inMemory) database.pragma('journal_mode = WAL');
    // WAL + NORMAL: durable across process crashes, one fsync per checkpoint instead of per commit.
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // Up to 32 MiB of page cache (default 2 MB): list pages hop between index and table pages.
    database.pragma('cache_size = -32768');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<RunDatabase>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
  try {
    await migrateWithRetry(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqliteRunStore(db, file, options);
}

/**
 * Kysely prepares every query anew; the store issues a few dozen distinct SQL texts, so keeping
 * their prepared statements (LRU) saves a prepare per call. Safe because Kysely runs one query at a
 * time per connection and this store never streams (a streaming statement cannot be reused).
 */
function withStatementCache(database: Database.Database, size = 256): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare: (sql) => {
      let statement = cache.get(sql);
      if (statement !== undefined) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value ?? '');
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/**
 * Migrates inside one `BEGIN IMMEDIATE` transaction, so processes opening a file at once take
 * turns (Kysely takes no migration lock on SQLite); a turn that waits past the busy timeout retries.
 */
async function migrateWithRetry(db: Kysely<RunDatabase>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          await migrateRunStore(connection);
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
        await sql`commit`.execute(connection);
      });
      return;
    } catch (error) {
      if (attempt >= 5 || !isBusyError(error)) throw error;
      await new Promise((done) => setTimeout(done, 20 * attempt));
    }
  }
}

function isBusyError(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    ) {
      return true;
    }
  }
  return false;
}
