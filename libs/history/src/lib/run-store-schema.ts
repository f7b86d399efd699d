import { PostgresAdapter, sql } from 'kysely';
import type { ColumnDataType, Expression, Generated, Kysely, Migration } from 'kysely';

/** Row of `runs`: JSON arrays/objects in text columns, ISO-8601 text timestamps (portable). */
export interface RunsTable {
  id: string;
  runbook: string;
  status: string;
  operation: string;
  return_code: number | null;
  requested_by: string;
  roles: string;
  correlation_id: string;
  recursion_stack: string;
  labels: string;
  env_var_names: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  attempt: number;
  worker_id: string | null;
  heartbeat_at: string | null;
  stdout: string;
  stderr: string;
  errors: string;
  warnings: string;
  canceled_by: string | null;
  cancel_reason: string | null;
  output_seq: number;
  /** Number of state-change events of this run so far (the outbox `seq` of its latest event). */
  event_seq: number;
  /** What started the run (`api`, `mcp`); `api` for runs recorded before migration 0004. */
  trigger: string;
  /** The MCP client as `<name>/<version>`, or null. */
  client: string | null;
  /** Hex SHA-256 of the runbook before its History when requested; null before migration 0005. */
  runbook_sha256: string | null;
  /** The approval state as JSON (`RunApproval`), or null for runs without an Approval gate. */
  approval: string | null;
  /** JSON list of the run's Concurrency slots (`RunSlot[]`); null without any. */
  slots: string | null;
  /** Why a queued run waits; null when it does not. */
  waiting_for: string | null;
  queue_position: number | null;
  /** The fire time of a scheduled run (unique per runbook: one run per fire), else null. */
  scheduled_for: string | null;
  /** 1 for the run a schedule made up for missed fires, else 0. */
  missed: number;
}

/** Row of `run_labels`: one per label, `created_at` copied from the run so label pages need no sort. */
export interface RunLabelsTable {
  run_id: string;
  key: string;
  value: string;
  created_at: string;
}

/** Row of `run_output_batches`: consecutive output chunks of a run, packed (`encodeOutputBatch`). */
export interface RunOutputBatchesTable {
  run_id: string;
  first_seq: number;
  last_seq: number;
  chunks: string;
}

/** Row of `run_output`: one output chunk of a run (runs stored before migration 0003 only). */
export interface RunOutputTable {
  run_id: string;
  seq: number;
  stream: string;
  data: string;
}

/**
 * Row of `run_outbox`: one state-change event of a run, written in the same transaction as the
 * change and deleted once a relay has published it. `position` orders events (per run it follows
 * `seq`, because both are taken under the run's row lock).
 */
export interface RunOutboxTable {
  position: Generated<number>;
  event_id: string;
  run_id: string;
  seq: number;
  event_type: string;
  payload: string;
  created_at: string;
}

/** The RunStore schema as Kysely sees it (shared by the SQLite and PostgreSQL adapters). */
export interface RunDatabase {
  runs: RunsTable;
  run_labels: RunLabelsTable;
  run_output: RunOutputTable;
  run_output_batches: RunOutputBatchesTable;
  run_outbox: RunOutboxTable;
}

/** True when `db` talks to PostgreSQL (dialect-specific column types and single-statement changes). */
export function isPostgres<DB>(db: Kysely<DB>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The text type of every column: on PostgreSQL `text COLLATE "C"`, so ids and ISO timestamps
 * compare and sort bytewise, exactly as SQLite's default BINARY collation does.
 */
function textType(db: Kysely<unknown>): ColumnDataType | Expression<unknown> {
  return isPostgres(db) ? sql`text collate "C"` : 'text';
}

async function createInitialSchema(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema
    .createTable('runs')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('runbook', text, (c) => c.notNull())
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('operation', text, (c) => c.notNull())
    .addColumn('return_code', 'integer')
    .addColumn('requested_by', text, (c) => c.notNull())
    .addColumn('roles', text, (c) => c.notNull())
    .addColumn('correlation_id', text, (c) => c.notNull())
    .addColumn('recursion_stack', text, (c) => c.notNull())
    .addColumn('labels', text, (c) => c.notNull())
    .addColumn('env_var_names', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('started_at', text)
    .addColumn('finished_at', text)
    .addColumn('updated_at', text, (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('worker_id', text)
    .addColumn('heartbeat_at', text)
    .addColumn('stdout', text, (c) => c.notNull().defaultTo(''))
    .addColumn('stderr', text, (c) => c.notNull().defaultTo(''))
    .addColumn('errors', text, (c) => c.notNull())
    .addColumn('warnings', text, (c) => c.notNull())
    .addColumn('canceled_by', text)
    .addColumn('cancel_reason', text)
    .addColumn('output_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('run_labels')
    .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('run_labels_pk', ['run_id', 'key'])
    .execute();

  await db.schema
    .createTable('run_output')
    .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('stream', text, (c) => c.notNull())
    .addColumn('data', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('run_output_pk', ['run_id', 'seq'])
    .execute();

  // Every list filter ends in (created_at, id) so a page is an index range walk, never a sort.
  const indexes: [string, string, string[]][] = [
    ['runs_created_idx', 'runs', ['created_at', 'id']],
    ['runs_runbook_created_idx', 'runs', ['runbook', 'created_at', 'id']],
    ['runs_runbook_status_created_idx', 'runs', ['runbook', 'status', 'created_at', 'id']],
    ['runs_status_created_idx', 'runs', ['status', 'created_at', 'id']],
    ['runs_requested_by_created_idx', 'runs', ['requested_by', 'created_at', 'id']],
    ['runs_status_heartbeat_idx', 'runs', ['status', 'heartbeat_at']],
    ['run_labels_key_value_idx', 'run_labels', ['key', 'value', 'created_at', 'run_id']],
  ];
  for (const [name, table, columns] of indexes) {
    await db.schema.createIndex(name).on(table).columns(columns).execute();
  }
}

async function createOutbox(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema
    .alterTable('runs')
    .addColumn('event_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  let outbox = db.schema.createTable('run_outbox');
  outbox = isPostgres(db)
    ? outbox.addColumn('position', 'bigserial', (c) => c.primaryKey())
    : outbox.addColumn('position', 'integer', (c) => c.primaryKey().autoIncrement());
  await outbox
    .addColumn('event_id', text, (c) => c.notNull().unique())
    .addColumn('run_id', text, (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('event_type', text, (c) => c.notNull())
    .addColumn('payload', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();
}

/**
 * Output packed per append instead of one row per chunk: a row per line cost about 100 bytes of
 * run id, sequence number, stream and index entry for lines of a few bytes (issue 13 M1: a run
 * of 20 MB of short lines took 127 MB). Old rows stay in `run_output` and are still read.
 */
async function createOutputBatches(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema
    .createTable('run_output_batches')
    .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('first_seq', 'integer', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addColumn('chunks', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('run_output_batches_pk', ['run_id', 'first_seq'])
    .execute();
}

/** Migration 0004: what started a run and, for MCP, which client (existing runs: `api`, null). */
async function addTrigger(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema
    .alterTable('runs')
    .addColumn('trigger', text, (c) => c.notNull().defaultTo('api'))
    .execute();
  await db.schema.alterTable('runs').addColumn('client', text).execute();
}

/** Migration 0005: the runbook's digest when requested, and the approval state (existing runs: null). */
async function addApproval(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema.alterTable('runs').addColumn('runbook_sha256', text).execute();
  await db.schema.alterTable('runs').addColumn('approval', text).execute();
}

/**
 * Migration 0006: Concurrency slots on the run (read by claims, decided under one lock) and what a
 * queued run waits for. Existing runs hold no slot.
 */
async function addConcurrency(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema.alterTable('runs').addColumn('slots', text).execute();
  await db.schema.alterTable('runs').addColumn('waiting_for', text).execute();
  await db.schema.alterTable('runs').addColumn('queue_position', 'integer').execute();
}

/**
 * Migration 0007: a scheduled run's fire time and whether it made up for missed fires. The
 * unique index on (runbook, scheduled_for) is what makes a fire happen exactly once whatever the
 * number of schedulers: the second insert of a fire is refused by the database (NULLs, the runs
 * not started by a schedule, never collide).
 */
async function addSchedule(db: Kysely<unknown>): Promise<void> {
  const text = textType(db);
  await db.schema.alterTable('runs').addColumn('scheduled_for', text).execute();
  await db.schema
    .alterTable('runs')
    .addColumn('missed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('runs_runbook_fire_uq')
    .on('runs')
    .columns(['runbook', 'scheduled_for'])
    .unique()
    .execute();
}

/** Versioned migrations of the RunStore schema, in the shape Kysely's Migrator expects. */
export const RUN_STORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_runs': { up: createInitialSchema },
  '0002_outbox': { up: createOutbox },
  '0003_output_batches': { up: createOutputBatches },
  '0004_trigger': { up: addTrigger },
  '0005_approval': { up: addApproval },
  '0006_concurrency': { up: addConcurrency },
  '0007_schedule': { up: addSchedule },
};
