import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { isHistoryError } from './history-error';
import { RUN_STORE_MIGRATIONS } from './run-store-schema';
import { describeRunStoreContract } from './run-store.contract';
import { DEFAULT_RUNS_DB_FILE, openSqliteRunStore } from './sqlite-run-store';

const tempRoot = mkdtempSync(join(tmpdir(), 'runbooks-history-sqlite-'));
let fileCounter = 0;
const nextFile = (): string => join(tempRoot, `db-${(fileCounter += 1)}`, 'runs.db');

afterAll(() => {
  rmSync(tempRoot, { recursive: true, force: true });
});

describeRunStoreContract('SQLite file', (options) =>
  openSqliteRunStore({ ...options, file: nextFile() }),
);
describeRunStoreContract('SQLite :memory:', (options) =>
  openSqliteRunStore({ ...options, file: ':memory:' }),
);

const TS_REGISTER = join(__dirname, '../../test/ts-register.cjs');
const CLAIM_WORKER = join(__dirname, '../../test/claim-worker.ts');

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

describe('openSqliteRunStore', () => {
  it('creates parent folders, uses WAL and a busy timeout, and indexes every filter', async () => {
    const file = nextFile();
    const store = await openSqliteRunStore({ file, busyTimeoutMs: 1234 });
    expect(store.file).toBe(file);
    expect(existsSync(file)).toBe(true);
    await store.close();

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const indexes = db
        .prepare<[], { name: string; tbl_name: string }>(
          "select name, tbl_name from sqlite_master where type = 'index' and name not like 'sqlite_%'",
        )
        .all()
        .map((row) => `${row.tbl_name}.${row.name}`)
        .sort();
      expect(indexes).toEqual([
        'run_labels.run_labels_key_value_idx',
        'runs.runs_created_idx',
        'runs.runs_requested_by_created_idx',
        'runs.runs_runbook_created_idx',
        'runs.runs_runbook_fire_uq',
        'runs.runs_runbook_status_created_idx',
        'runs.runs_status_created_idx',
        'runs.runs_status_heartbeat_idx',
      ]);
      const columns = db
        .prepare<[], { name: string }>("select name from pragma_table_info('run_labels')")
        .all()
        .map((row) => row.name);
      expect(columns).toEqual(['run_id', 'key', 'value', 'created_at']);
      const plan = db
        .prepare<[string, string], { detail: string }>(
          'explain query plan select runs.* from run_labels l0 join runs on runs.id = l0.run_id ' +
            'where l0.key = ? and l0.value = ? order by l0.created_at desc, l0.run_id desc limit 51',
        )
        .all('env', 'prod')
        .map((row) => row.detail)
        .join(' | ');
      expect(plan).toContain('run_labels_key_value_idx');
      expect(plan).not.toContain('TEMP B-TREE');
    } finally {
      db.close();
    }
  });

  /** SQL that undoes each migration after 0003, newest first (a database of an older version). */
  const UNDO_MIGRATION: [string, string][] = [
    [
      '0007_schedule',
      'drop index runs_runbook_fire_uq; alter table runs drop column missed; alter table runs drop column scheduled_for',
    ],
    [
      '0006_concurrency',
      'alter table runs drop column slots; alter table runs drop column waiting_for; alter table runs drop column queue_position',
    ],
    [
      '0005_approval',
      'alter table runs drop column approval; alter table runs drop column runbook_sha256',
    ],
    ['0004_trigger', 'alter table runs drop column client; alter table runs drop column "trigger"'],
  ];

  /** Takes the database file back to the schema before migration `first` (and all later ones). */
  function rollBack(file: string, first: string): void {
    const db = new Database(file);
    try {
      for (const [name, sql] of UNDO_MIGRATION) {
        db.exec(sql);
        db.prepare('delete from kysely_migration where name = ?').run(name);
        if (name === first) return;
      }
      throw new Error(`no undo for ${first}`);
    } finally {
      db.close();
    }
  }

  it('migrates runs recorded before triggers existed (api, no client, no digest, no slots, no fire)', async () => {
    const file = nextFile();
    const first = await openSqliteRunStore({ file });
    await first.create({ id: 'old', runbook: 'x.md', requestedBy: 'me' });
    await first.close();
    rollBack(file, '0004_trigger');
    const second = await openSqliteRunStore({ file });
    expect(await second.get('old')).toMatchObject({
      trigger: 'api',
      client: null,
      runbookSha256: null,
      approval: null,
      slots: [],
      waitingFor: null,
      queuePosition: null,
      scheduledFor: null,
      missed: false,
    });
    await second.close();
  });

  it('migrates runs recorded before approvals existed to no digest and no approval', async () => {
    const file = nextFile();
    const first = await openSqliteRunStore({ file });
    await first.create({ id: 'old', runbook: 'x.md', requestedBy: 'me' });
    await first.close();
    rollBack(file, '0005_approval');
    const second = await openSqliteRunStore({ file });
    expect(await second.get('old')).toMatchObject({
      runbookSha256: null,
      approval: null,
      scheduledFor: null,
      missed: false,
    });
    await second.close();
  });

  it('keeps its records across reopen and applies migrations only once', async () => {
    const file = nextFile();
    const first = await openSqliteRunStore({ file });
    await first.create({ id: 'persisted', runbook: 'x.md', requestedBy: 'me', labels: { k: 'v' } });
    await first.close();
    const second = await openSqliteRunStore({ file });
    expect((await second.get('persisted'))?.labels).toEqual({ k: 'v' });
    expect((await second.list({ labels: { k: 'v' } })).items).toHaveLength(1);
    await second.close();
    const db = new Database(file, { readonly: true });
    try {
      const migrations = db
        .prepare<[], { name: string }>('select name from kysely_migration')
        .all();
      expect(migrations.map((row) => row.name)).toEqual(Object.keys(RUN_STORE_MIGRATIONS));
    } finally {
      db.close();
    }
  });

  it('upgrades a file made before the outbox; old runs number their events from there', async () => {
    const file = nextFile();
    mkdirSync(join(file, '..'), { recursive: true });
    const old = new Kysely({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const first = RUN_STORE_MIGRATIONS['0001_runs']!;
    const migrator = new Migrator({
      db: old,
      provider: { getMigrations: () => Promise.resolve({ '0001_runs': first }) },
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await old.destroy();
    const legacy = new Database(file);
    legacy
      .prepare(
        `insert into runs (id, runbook, status, operation, requested_by, roles, correlation_id,
           recursion_stack, labels, env_var_names, created_at, updated_at, errors, warnings)
         values ('old', 'o.md', 'queued', 'execute', 'me', '[]', 'old', '[]', '{}', '[]',
           '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '[]', '[]')`,
      )
      .run();
    legacy.close();

    const store = await openSqliteRunStore({ file, outbox: true });
    try {
      expect(store.outbox).toBe(true);
      expect((await store.claim('old', { workerId: 'w' }))?.status).toBe('running');
      await store.create({ id: 'new', runbook: 'n.md', requestedBy: 'me' });
      const events = await store.readOutbox();
      expect(events.map((event) => [event.payload.id, event.event_type, event.seq])).toEqual([
        ['old', 'update', 1],
        ['new', 'create', 1],
      ]);
    } finally {
      await store.close();
    }
  });

  it('reads output stored one row per chunk before 0003, and continues it in batches', async () => {
    const file = nextFile();
    mkdirSync(join(file, '..'), { recursive: true });
    const old = new Kysely({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const migrator = new Migrator({
      db: old,
      provider: {
        getMigrations: () =>
          Promise.resolve({
            '0001_runs': RUN_STORE_MIGRATIONS['0001_runs']!,
            '0002_outbox': RUN_STORE_MIGRATIONS['0002_outbox']!,
          }),
      },
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    await old.destroy();
    const legacy = new Database(file);
    legacy
      .prepare(
        `insert into runs (id, runbook, status, operation, requested_by, roles, correlation_id,
           recursion_stack, labels, env_var_names, created_at, updated_at, errors, warnings,
           output_seq)
         values ('old', 'o.md', 'running', 'execute', 'me', '[]', 'old', '[]', '{}', '[]',
           '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '[]', '[]', 2)`,
      )
      .run();
    const insert = legacy.prepare(
      `insert into run_output (run_id, seq, stream, data) values ('old', ?, ?, ?)`,
    );
    insert.run(1, 'stdout', 'one');
    insert.run(2, 'stderr', 'two');
    legacy.close();

    const store = await openSqliteRunStore({ file });
    try {
      await store.appendOutput('old', [{ stream: 'stdout', data: 'three' }]);
      expect(await store.readOutput('old')).toEqual([
        { seq: 1, stream: 'stdout', data: 'one' },
        { seq: 2, stream: 'stderr', data: 'two' },
        { seq: 3, stream: 'stdout', data: 'three' },
      ]);
      expect((await store.readOutput('old', 2, 1)).map((chunk) => chunk.data)).toEqual(['two']);
    } finally {
      await store.close();
    }
  });

  it('defaults to data/runs.db under the working directory', async () => {
    expect(DEFAULT_RUNS_DB_FILE).toBe('data/runs.db');
    const cwd = process.cwd();
    const dir = join(tempRoot, 'cwd');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    process.chdir(dir);
    try {
      const store = await openSqliteRunStore();
      expect(store.file).toBe(join(dir, 'data', 'runs.db'));
      await store.close();
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(dir, 'data', 'runs.db'))).toBe(true);
  });

  it('fails with MIGRATION_FAILED on a database whose schema is in the way', async () => {
    const file = nextFile();
    mkdirSync(join(file, '..'), { recursive: true });
    const db = new Database(file);
    db.exec('create table runs (something text)');
    db.close();
    let caught: unknown = null;
    try {
      await openSqliteRunStore({ file });
    } catch (error) {
      caught = error;
    }
    expect(isHistoryError(caught, 'MIGRATION_FAILED')).toBe(true);
  });

  it('lets exactly one of two processes claim each run (fencing across processes)', async () => {
    const file = nextFile();
    const store = await openSqliteRunStore({ file });
    const ids = Array.from({ length: 40 }, (_, index) => `p${index}`);
    for (const id of ids) await store.create({ id, runbook: 'race.md', requestedBy: 'ci' });
    await store.close();

    const [a, b] = await Promise.all([
      runNode([CLAIM_WORKER, file, 'worker-a', ...ids]),
      runNode([CLAIM_WORKER, file, 'worker-b', ...ids]),
    ]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const wonByA = JSON.parse(a.stdout) as string[];
    const wonByB = JSON.parse(b.stdout) as string[];
    expect([...wonByA, ...wonByB].sort()).toEqual([...ids].sort());

    const check = await openSqliteRunStore({ file });
    try {
      for (const id of ids) {
        const run = await check.get(id);
        expect(run?.attempt).toBe(1);
        expect(run?.status).toBe('success');
        expect(run?.workerId).toBe(wonByA.includes(id) ? 'worker-a' : 'worker-b');
      }
    } finally {
      await check.close();
    }
  }, 60_000);

  it('lets two processes open and migrate a fresh file at the same time', async () => {
    const file = nextFile();
    const [a, b] = await Promise.all([
      runNode([CLAIM_WORKER, file, 'worker-a']),
      runNode([CLAIM_WORKER, file, 'worker-b']),
    ]);
    expect([a.stderr, b.stderr]).toEqual(['', '']);
    expect([a.stdout, b.stdout]).toEqual(['[]', '[]']);
  }, 60_000);
});
