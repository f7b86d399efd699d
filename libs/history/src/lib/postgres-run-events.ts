/**
 * PostgreSQL-only SQL of the run store: a state change and its outbox event in ONE statement
 * (data-modifying CTEs), one round trip instead of BEGIN, write, INSERT, COMMIT.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, QueryCreator, RawBuilder } from 'kysely';
import type { RunUpdate } from './kysely-run-store';
import { eventPayload } from './run-event-payload';
import type { RunRow } from './run-row';
import type { Run, RunEventPayload, RunEventType } from './run-store';
import type { RunDatabase, RunsTable } from './run-store-schema';

/** The columns of an outbox row written by this store (`position` is generated). */
const OUTBOX_COLUMNS = [
  'event_id',
  'run_id',
  'seq',
  'event_type',
  'payload',
  'created_at',
] as const;
/** Where each field of an event payload comes from, in payload key order (see `eventPayload`). */
const EVENT_PAYLOAD_COLUMNS = {
  id: 'id',
  runbook: 'runbook',
  operation: 'operation',
  status: 'status',
  attempt: 'attempt',
  return_code: 'return_code',
  requested_by: 'requested_by',
  correlation_id: 'correlation_id',
  labels: 'labels',
  created_at: 'created_at',
  started_at: 'started_at',
  finished_at: 'finished_at',
  updated_at: 'updated_at',
  trigger: 'trigger',
  client: 'client',
  waiting_for: 'waiting_for',
  queue_position: 'queue_position',
} as const satisfies Record<keyof RunEventPayload, keyof RunsTable>;

/**
 * PostgreSQL: inserts a new run, its labels and its `create` event in ONE statement (one round
 * trip). Labels and event are selected from the inserted row, so a conflicting id writes nothing.
 */
export async function insertRunWithEvent(
  db: Kysely<RunDatabase>,
  row: RunRow,
  run: Run,
): Promise<boolean> {
  const event = outboxValues('create', row, JSON.stringify(eventPayload(run)), row.created_at);
  const inserted = await db
    .with('inserted', (db) =>
      db
        .insertInto('runs')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'created_at']),
    )
    .with('labelled', (db) =>
      db
        .insertInto('run_labels')
        .columns(['run_id', 'key', 'value', 'created_at'])
        .expression(
          db
            .selectFrom('inserted')
            .crossJoin(labelPairs(run.labels))
            .select(['inserted.id', 'pair.key', 'pair.value', 'inserted.created_at']),
        ),
    )
    .with('evented', (db) =>
      db
        .insertInto('run_outbox')
        .columns(OUTBOX_COLUMNS)
        .expression(db.selectFrom('inserted').select(event)),
    )
    .selectFrom('inserted')
    .select('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * PostgreSQL: the update and its outbox event in ONE statement (one round trip instead of
 * BEGIN, UPDATE, INSERT, COMMIT). The event is selected from the updated row, with its payload
 * built in SQL from that row, so a refused update writes no event.
 */
export async function updateRunWithEvent(
  db: Kysely<RunDatabase>,
  now: string,
  update: (db: QueryCreator<RunDatabase>) => RunUpdate,
): Promise<RunRow | undefined> {
  return db
    .with('changed', (db) => update(db).returningAll())
    .with('evented', (db) =>
      db
        .insertInto('run_outbox')
        .columns(OUTBOX_COLUMNS)
        .expression(
          db
            .selectFrom('changed')
            .select([
              textParam(randomUUID()).as('event_id'),
              'changed.id as run_id',
              'changed.event_seq as seq',
              textParam('update').as('event_type'),
              payloadOfChangedRun().as('payload'),
              textParam(now).as('created_at'),
            ]),
        ),
    )
    .selectFrom('changed')
    .selectAll()
    .executeTakeFirst();
}

/**
 * PostgreSQL: `eventPayload` of the row of CTE `changed`, as JSON text built in SQL. Same keys in
 * the same order, same JSON types (labels as an object, integers as numbers, null as null).
 */
function payloadOfChangedRun(): RawBuilder<string> {
  const fields = Object.entries(EVENT_PAYLOAD_COLUMNS).map(([key, column]) => {
    const value = sql.ref(`changed.${column}`);
    return sql`${sql.lit(key)}, ${column === 'labels' ? sql`${value}::json` : value}`;
  });
  return sql<string>`json_build_object(${sql.join(fields)})::text`;
}

/** PostgreSQL: a run's labels as the derived table `pair(key, value)`, two array parameters. */
function labelPairs(labels: Record<string, string>) {
  const keys = Object.keys(labels);
  const values = Object.values(labels);
  return sql<{ key: string; value: string }>`(
    select * from unnest(${keys}::text[], ${values}::text[]) as label(key, value)
  )`.as('pair');
}

/** A text parameter with its type spelled out (PostgreSQL cannot infer it in a select list). */
function textParam(value: string): RawBuilder<string> {
  return sql<string>`${value}::text`;
}

/** The select list of an outbox row whose every value is known in JS. */
function outboxValues(type: RunEventType, row: RunRow, payload: string, now: string) {
  return [
    textParam(randomUUID()).as('event_id'),
    textParam(row.id).as('run_id'),
    sql<number>`${row.event_seq}::integer`.as('seq'),
    textParam(type).as('event_type'),
    textParam(payload).as('payload'),
    textParam(now).as('created_at'),
  ];
}
