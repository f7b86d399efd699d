import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { PostgresPool, PostgresPoolClient, QueryCreator, Transaction } from 'kysely';
import { Pool } from 'pg';
import { HistoryError, isHistoryError } from './history-error';
import { KyselyRunStore } from './kysely-run-store';
import type { KyselyRunStoreOptions, RunUpdate } from './kysely-run-store';
import { migrateRunStore } from './migrate-run-store';
import { insertRunWithEvent, updateRunWithEvent } from './postgres-run-events';
import type { RunRow } from './run-row';
import type { Run } from './run-store';
import type { RunDatabase } from './run-store-schema';

/** What the store needs from a pooled connection (a `pg.PoolClient` fits). */
export interface PgClientLike {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ command: string; rowCount: number | null; rows: unknown[] }>;
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** What the store needs from a connection pool (a `pg.Pool` fits). */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  end(): Promise<void>;
}

/** Options of `openPostgresRunStore`: give `connectionString` (the store owns its pool) or `pool`. */
export interface PostgresRunStoreOptions extends KyselyRunStoreOptions {
  /** `postgres://user:password@host:5432/database` (e.g. `DATABASE_URL`). */
  connectionString?: string;
  /** A pool you own (e.g. a `pg.Pool`); the store never ends it. */
  pool?: PgPoolLike;
  /** Size of the pool the store creates; default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before STORE_UNAVAILABLE; default 5000 ms. */
  connectionTimeoutMs?: number;
  /** `application_name` of the store's sessions (visible in `pg_stat_activity`); default `runbooks`. */
  applicationName?: string;
  /** Errors of idle pooled connections (e.g. the server restarted); default: ignored (the pool replaces them). */
  onPoolError?: (error: Error) => void;
  /** Transactional outbox (see `KyselyRunStoreOptions.outbox`); default ON for PostgreSQL. */
  outbox?: boolean;
}

/** A session-level PostgreSQL advisory lock, held on its own connection until released or lost. */
export interface AdvisoryLock {
  /** The name the lock was taken under. */
  readonly name: string;
  /** True until `release` or until the lock's connection broke. */
  readonly isHeld: boolean;
  /** Resolves once the lock is no longer held (released, or its session died). */
  readonly lost: Promise<void>;
  /** Asks the server whether the session (and so the lock) is still alive; false once lost. */
  check(): Promise<boolean>;
  /** Unlocks and returns the connection to the pool (idempotent). */
  release(): Promise<void>;
}

const MIGRATION_LOCK = 'runbooks:run-store:migrations';
/** Advisory lock name that serializes Concurrency slot decisions across every process. */
const SLOTS_LOCK = 'runbooks:run-slots';

/**
 * The distributed RunStore: PostgreSQL through `pg` and Kysely's PostgresDialect, with the same
 * schema, SQL and contract as the SQLite store. With the outbox on, a state change and its event
 * are one statement (data-modifying CTEs, see `postgres-run-events.ts`) instead of a transaction
 * of several. Connection failures surface as STORE_UNAVAILABLE; the pool reconnects by itself once
 * the server is back.
 */
export class PostgresRunStore extends KyselyRunStore {
  private readonly locks = new Set<AdvisoryLock>();

  constructor(
    db: Kysely<RunDatabase>,
    private readonly pool: PgPoolLike,
    options: KyselyRunStoreOptions = {},
  ) {
    super(db, options);
  }

  protected override insertRun(row: RunRow, run: Run): Promise<boolean> {
    return this.outbox ? insertRunWithEvent(this.db, row, run) : super.insertRun(row, run);
  }

  protected override updateWithEvent(
    now: string,
    update: (db: QueryCreator<RunDatabase>) => RunUpdate,
  ): Promise<RunRow | undefined> {
    return updateRunWithEvent(this.db, now, update);
  }

  /** Every slot decision (claim or review of the waiting line) waits for this lock, then decides. */
  protected override async lockSlots(trx: Transaction<RunDatabase>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${advisoryKey(SLOTS_LOCK)}::bigint)`.execute(trx);
  }

  /**
   * Tries to take the session-level advisory lock `name` without waiting (for example the
   * leadership of a reconciler). Returns null when another session holds it. The lock keeps one
   * pooled connection until released.
   */
  async tryAdvisoryLock(name: string): Promise<AdvisoryLock | null> {
    this.assertOpen();
    const checkout = await Checkout.take(this.pool);
    let locked = false;
    try {
      const result = await checkout.query('select pg_try_advisory_lock($1::bigint) as locked', [
        advisoryKey(name),
      ]);
      locked = (result.rows[0] as { locked?: unknown } | undefined)?.locked === true;
    } catch (error) {
      checkout.release();
      throw error;
    }
    if (!locked) {
      checkout.release();
      return null;
    }
    const lock = new HeldAdvisoryLock(name, checkout, () => this.locks.delete(lock));
    this.locks.add(lock);
    return lock;
  }

  override async close(): Promise<void> {
    await Promise.all([...this.locks].map((lock) => lock.release()));
    await super.close();
  }
}

/**
 * One connection taken from the pool. A pg client emits `error` when its session dies, even while
 * checked out; without a listener that would crash the process, so every checkout listens, marks
 * the connection broken (queries then fail with STORE_UNAVAILABLE) and drops it on release.
 */
class Checkout {
  private failure: Error | undefined;
  private released = false;
  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.whenBroken(error);
  };

  private constructor(
    private readonly client: PgClientLike,
    private whenBroken: (error: Error) => void = () => undefined,
  ) {
    client.on('error', this.onError);
  }

  /** Takes a connection; STORE_UNAVAILABLE when none can be had. */
  static async take(pool: PgPoolLike): Promise<Checkout> {
    try {
      return new Checkout(await pool.connect());
    } catch (error) {
      throw asUnavailable(error);
    }
  }

  /** The error that broke the session, if any. */
  get broken(): Error | undefined {
    return this.failure;
  }

  /** Calls `listener` once the session breaks (at once if it already has). */
  onBroken(listener: (error: Error) => void): void {
    this.whenBroken = listener;
    if (this.failure) listener(this.failure);
  }

  async query(text: string, values: readonly unknown[] = []): ReturnType<PgClientLike['query']> {
    if (this.failure) throw asUnavailable(this.failure);
    try {
      return await this.client.query(text, [...values]);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.failure ??= error instanceof Error ? error : new Error(String(error));
      throw asUnavailable(error);
    }
  }

  /** Returns the connection to the pool, or destroys it when its session broke (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.client.removeListener('error', this.onError);
    this.client.release(this.failure);
  }
}

class HeldAdvisoryLock implements AdvisoryLock {
  readonly lost: Promise<void>;
  private held = true;
  private markLost: () => void = () => undefined;

  constructor(
    readonly name: string,
    private readonly checkout: Checkout,
    private readonly forget: () => void,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    checkout.onBroken(() => this.finish());
  }

  get isHeld(): boolean {
    return this.held;
  }

  async check(): Promise<boolean> {
    if (!this.held) return false;
    try {
      await this.checkout.query('select 1');
    } catch {
      this.finish();
    }
    return this.held;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    try {
      await this.checkout.query('select pg_advisory_unlock($1::bigint)', [advisoryKey(this.name)]);
    } catch {
      // The session is gone, and the server released the lock with it.
    }
    this.finish();
  }

  /** No longer held: unlocked, or the session died (the server released the lock with it). */
  private finish(): void {
    if (!this.held) return;
    this.held = false;
    this.checkout.release();
    this.forget();
    this.markLost();
  }
}

/**
 * Opens the PostgreSQL run store and applies the migrations. Several processes may start at
 * once: migrations run under a session advisory lock. Throws STORE_UNAVAILABLE when the server
 * cannot be reached, MIGRATION_FAILED when the schema cannot be applied.
 */
export async function openPostgresRunStore(
  options: PostgresRunStoreOptions,
): Promise<PostgresRunStore> {
  if ((options.connectionString === undefined) === (options.pool === undefined)) {
    throw new HistoryError(
      'INVALID_OPTIONS',
      'openPostgresRunStore needs either connectionString or pool.',
    );
  }
  let pool: PgPoolLike;
  let ownsPool = false;
  if (options.pool !== undefined) {
    pool = options.pool;
  } else {
    const created = new Pool({
      connectionString: options.connectionString,
      max: Math.max(1, Math.floor(options.maxConnections ?? 10)),
      connectionTimeoutMillis: Math.max(1, Math.floor(options.connectionTimeoutMs ?? 5000)),
      application_name: options.applicationName ?? 'runbooks',
    });
    // Without a listener an idle connection dropped by the server would crash the process.
    created.on('error', options.onPoolError ?? (() => undefined));
    pool = created;
    ownsPool = true;
  }
  const db = new Kysely<RunDatabase>({
    dialect: new PostgresDialect({ pool: kyselyPool(pool, ownsPool) }),
  });
  try {
    await db.connection().execute(async (connection) => {
      const key = advisoryKey(MIGRATION_LOCK);
      await sql`select pg_advisory_lock(${key}::bigint)`.execute(connection);
      try {
        await migrateRunStore(connection);
      } finally {
        await sql`select pg_advisory_unlock(${key}::bigint)`
          .execute(connection)
          .catch(() => undefined);
      }
    });
  } catch (error) {
    await db.destroy();
    const unavailable = findUnavailable(error);
    throw unavailable ?? error;
  }
  return new PostgresRunStore(db, pool, { ...options, outbox: options.outbox ?? true });
}

/** A 64-bit advisory lock key from a name (first 8 bytes of its SHA-256, as a signed bigint). */
function advisoryKey(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 16);
  return BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();
}

/** Adapts a pg pool for Kysely: connection failures become STORE_UNAVAILABLE; broken clients are dropped. */
function kyselyPool(pool: PgPoolLike, ownsPool: boolean): PostgresPool {
  return {
    connect: async () => {
      const checkout = await Checkout.take(pool);
      return {
        query: ((text: string, values: readonly unknown[]) =>
          checkout.query(text, values)) as PostgresPoolClient['query'],
        release: () => checkout.release(),
      };
    },
    end: async () => {
      if (ownsPool) await pool.end();
    },
  };
}

function asUnavailable(error: unknown): HistoryError {
  if (isHistoryError(error, 'STORE_UNAVAILABLE')) return error;
  const reason = error instanceof Error ? `: ${error.message}` : '';
  return new HistoryError('STORE_UNAVAILABLE', `The run store database is unavailable${reason}`, {
    cause: error,
  });
}

function findUnavailable(error: unknown): HistoryError | null {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (isHistoryError(current, 'STORE_UNAVAILABLE')) return current;
  }
  return null;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/** True for errors that mean "the database is not reachable right now", not "the query is wrong". */
function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')) return true;
  }
  return /connection terminated|not queryable|timeout exceeded when trying to connect|client has been closed|connection (?:was )?closed/i.test(
    error.message,
  );
}
