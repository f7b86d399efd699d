import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'pg';
import { isHistoryError } from './history-error';
import type { HistoryErrorCode } from './history-error';
import { openPostgresRunStore } from './postgres-run-store';
import type { PgPoolLike } from './postgres-run-store';
import { RUN_STORE_MIGRATIONS } from './run-store-schema';
import { describeRunStoreContract } from './run-store.contract';

// A throwaway database on the local server (trust auth on loopback); dropped at the end.
const ADMIN_URL =
  process.env['RUNBOOKS_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const prefix = `runbooks_test_${randomBytes(4).toString('hex')}`;
const databases: string[] = [];
const admin = new Pool({ connectionString: ADMIN_URL, max: 2 });
const pools: Pool[] = [];

function urlOf(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function createDatabase(suffix: string): Promise<string> {
  const name = `${prefix}_${suffix}`;
  await admin.query(`create database "${name}"`);
  databases.push(name);
  return name;
}

function poolOf(database: string): Pool {
  const pool = new Pool({ connectionString: urlOf(database), max: 3 });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

async function expectCode(promise: Promise<unknown>, code: HistoryErrorCode): Promise<unknown> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isHistoryError(caught, code) ? code : caught).toBe(code);
  return caught;
}

let mainDb = '';
let mainPool: Pool;

beforeAll(async () => {
  mainDb = await createDatabase('contract');
  mainPool = poolOf(mainDb);
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  for (const name of databases) await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}, 60_000);

describeRunStoreContract('PostgreSQL', async (options) => {
  const store = await openPostgresRunStore({
    ...options,
    connectionString: urlOf(mainDb),
    maxConnections: 4,
  });
  await mainPool.query('truncate runs, run_labels, run_output, run_output_batches, run_outbox');
  return store;
});

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const CLAIM_WORKER = join(__dirname, '../../test/pg-claim-worker.ts');

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', TS_REGISTER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('openPostgresRunStore', () => {
  it('gives every text column COLLATE "C", so ids and timestamps order bytewise as in SQLite', async () => {
    const store = await openPostgresRunStore({ connectionString: urlOf(mainDb) });
    try {
      await mainPool.query('truncate runs, run_labels, run_output, run_output_batches, run_outbox');
      const { rows } = await mainPool.query<{ table_name: string; collation_name: string | null }>(
        `select table_name, collation_name from information_schema.columns
          where table_schema = 'public' and data_type = 'text'
            and table_name in ('runs', 'run_labels', 'run_output', 'run_output_batches', 'run_outbox')`,
      );
      expect(rows.length).toBeGreaterThan(30);
      expect(new Set(rows.map((row) => row.collation_name))).toEqual(new Set(['C']));
      for (const id of ['B', 'a', '_', 'Z1', 'z']) {
        await store.create({ id, runbook: 'c.md', requestedBy: 'me', createdAt: '2026-01-01' });
      }
      const page = await store.list();
      expect(page.items.map((run) => run.id)).toEqual(['z', 'a', '_', 'Z1', 'B']);
      const { rows: plan } = await mainPool.query<{ 'QUERY PLAN': string }>(
        `explain select * from runs where runbook = 'c.md' order by created_at desc, id desc limit 51`,
      );
      expect(plan.map((row) => row['QUERY PLAN']).join('\n')).not.toMatch(/Sort Key/);
    } finally {
      await store.close();
    }
  });

  it('applies the migrations once, even when several processes open a fresh database together', async () => {
    const database = await createDatabase('migrate');
    const url = urlOf(database);
    const results = await Promise.all([
      runNode([CLAIM_WORKER, url, 'worker-a']),
      runNode([CLAIM_WORKER, url, 'worker-b']),
      runNode([CLAIM_WORKER, url, 'worker-c']),
    ]);
    expect(results.map((result) => result.stderr)).toEqual(['', '', '']);
    expect(results.map((result) => result.stdout)).toEqual(['[]', '[]', '[]']);
    const { rows } = await poolOf(database).query<{ name: string }>(
      'select name from kysely_migration order by name',
    );
    expect(rows.map((row) => row.name)).toEqual(Object.keys(RUN_STORE_MIGRATIONS));
  }, 60_000);

  it('lets exactly one of two processes claim each run (fencing across processes)', async () => {
    const database = await createDatabase('claims');
    const url = urlOf(database);
    const store = await openPostgresRunStore({ connectionString: url });
    const ids = Array.from({ length: 40 }, (_, index) => `p${index}`);
    for (const id of ids) await store.create({ id, runbook: 'race.md', requestedBy: 'ci' });

    const [a, b] = await Promise.all([
      runNode([CLAIM_WORKER, url, 'worker-a', ...ids]),
      runNode([CLAIM_WORKER, url, 'worker-b', ...ids]),
    ]);
    expect([a.stderr, b.stderr]).toEqual(['', '']);
    const wonByA = JSON.parse(a.stdout) as string[];
    const wonByB = JSON.parse(b.stdout) as string[];
    expect([...wonByA, ...wonByB].sort()).toEqual([...ids].sort());
    try {
      for (const id of ids) {
        const run = await store.get(id);
        expect(run).toMatchObject({ attempt: 1, status: 'success' });
        expect(run?.workerId).toBe(wonByA.includes(id) ? 'worker-a' : 'worker-b');
      }
      // Each run: create, claim, finish — and nothing from the losing process.
      const events = await store.readOutbox(1000);
      expect(events).toHaveLength(ids.length * 3);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('fails fast with STORE_UNAVAILABLE when the server cannot be reached', async () => {
    const started = Date.now();
    await expectCode(
      openPostgresRunStore({
        connectionString: 'postgres://postgres@127.0.0.1:6391/none',
        connectionTimeoutMs: 500,
      }),
      'STORE_UNAVAILABLE',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a killed session as STORE_UNAVAILABLE and carries on with a fresh connection', async () => {
    const pool = poolOf(mainDb);
    let killNext = false;
    const killing: PgPoolLike = {
      connect: async () => {
        const client = await pool.connect();
        if (killNext) {
          killNext = false;
          // This test holds the connection while its session is killed: it must listen for that.
          client.on('error', () => undefined);
          const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
          await admin.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
          await waitFor(async () => {
            const gone = await admin.query('select 1 from pg_stat_activity where pid = $1', [
              rows[0]?.pid,
            ]);
            return gone.rowCount === 0;
          });
        }
        return client;
      },
      end: () => Promise.resolve(),
    };
    const store = await openPostgresRunStore({ pool: killing });
    try {
      await store.create({ id: 'survivor', runbook: 'r.md', requestedBy: 'me' });
      killNext = true;
      await expectCode(store.get('survivor'), 'STORE_UNAVAILABLE');
      expect((await store.get('survivor'))?.id).toBe('survivor');
      killNext = true;
      await expectCode(
        store.transition('survivor', 0, ['queued'], 'canceled'),
        'STORE_UNAVAILABLE',
      );
      expect((await store.get('survivor'))?.status).toBe('queued');
    } finally {
      await store.close();
    }
    // The caller's pool is not ended by the store.
    expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  }, 30_000);

  it('refuses missing or double connection options and a schema in the way', async () => {
    await expectCode(openPostgresRunStore({}), 'INVALID_OPTIONS');
    await expectCode(
      openPostgresRunStore({ connectionString: urlOf(mainDb), pool: poolOf(mainDb) }),
      'INVALID_OPTIONS',
    );
    const database = await createDatabase('clash');
    await poolOf(database).query('create table runs (something text)');
    await expectCode(
      openPostgresRunStore({ connectionString: urlOf(database) }),
      'MIGRATION_FAILED',
    );
  });
});

describe('PostgresRunStore.tryAdvisoryLock', () => {
  it('lets one session hold a named lock; it passes on when released or when its session dies', async () => {
    const a = await openPostgresRunStore({ connectionString: urlOf(mainDb) });
    const b = await openPostgresRunStore({ connectionString: urlOf(mainDb) });
    try {
      const first = await a.tryAdvisoryLock('reconciler');
      expect(first?.isHeld).toBe(true);
      expect(first?.name).toBe('reconciler');
      expect(await b.tryAdvisoryLock('reconciler')).toBeNull();
      expect(await first?.check()).toBe(true);
      await first?.release();
      await first?.release();
      expect(first?.isHeld).toBe(false);
      expect(await first?.check()).toBe(false);
      await first?.lost;

      const second = await b.tryAdvisoryLock('reconciler');
      expect(second?.isHeld).toBe(true);
      expect(await a.tryAdvisoryLock('reconciler')).toBeNull();
      // Kill the holder's session, as a server restart or a network cut would.
      const key = await lockHolderPids();
      expect(key).toHaveLength(1);
      await admin.query('select pg_terminate_backend($1)', [key[0]]);
      await second?.lost;
      expect(second?.isHeld).toBe(false);
      expect(await second?.check()).toBe(false);
      // The client hears of the kill before the killed backend has exited and let go of its lock.
      await waitFor(async () => (await lockHolderPids()).length === 0);

      const third = await a.tryAdvisoryLock('reconciler');
      expect(third?.isHeld).toBe(true);
      await a.close();
      expect(third?.isHeld).toBe(false);
      await expectCode(a.tryAdvisoryLock('reconciler'), 'STORE_CLOSED');
      // Closing ends the session; the server drops its lock when that backend has exited.
      await waitFor(async () => (await lockHolderPids()).length === 0);
      const fourth = await b.tryAdvisoryLock('reconciler');
      expect(fourth).not.toBeNull();
      await fourth?.release();
    } finally {
      await a.close();
      await b.close();
    }
  }, 30_000);

  it('notices a dead session on check() even before the connection reports it', async () => {
    const store = await openPostgresRunStore({ connectionString: urlOf(mainDb) });
    try {
      const lock = await store.tryAdvisoryLock('checker');
      const [pid] = await lockHolderPids();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await waitFor(async () => (await lockHolderPids()).length === 0);
      expect(await lock?.check()).toBe(false);
      expect(lock?.isHeld).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('throws STORE_UNAVAILABLE when no connection can be had', async () => {
    const down: PgPoolLike = {
      connect: () =>
        Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      end: () => Promise.resolve(),
    };
    const pool = poolOf(mainDb);
    let up = true;
    const flaky: PgPoolLike = {
      connect: async () => (up ? await pool.connect() : down.connect()),
      end: () => Promise.resolve(),
    };
    const store = await openPostgresRunStore({ pool: flaky });
    try {
      up = false;
      await expectCode(store.tryAdvisoryLock('x'), 'STORE_UNAVAILABLE');
      await expectCode(store.list(), 'STORE_UNAVAILABLE');
    } finally {
      await store.close();
    }
  });
});

async function lockHolderPids(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_locks where locktype = 'advisory' and granted and database =
       (select oid from pg_database where datname = $1)`,
    [mainDb],
  );
  return rows.map((row) => row.pid);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
