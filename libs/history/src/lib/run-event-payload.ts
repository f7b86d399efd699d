import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Run, RunEventPayload, RunEventType } from './run-store';
import type { RunDatabase } from './run-store-schema';
import { rowToRun } from './run-row';
import type { RunRow } from './run-row';

/** The payload of a run's event: the run as the change left it, without output or variables. */
export function eventPayload(run: Run): RunEventPayload {
  return {
    id: run.id,
    runbook: run.runbook,
    operation: run.operation,
    status: run.status,
    attempt: run.attempt,
    return_code: run.returnCode,
    requested_by: run.requestedBy,
    correlation_id: run.correlationId,
    labels: run.labels,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    updated_at: run.updatedAt,
    trigger: run.trigger,
    client: run.client,
    waiting_for: run.waitingFor,
    queue_position: run.queuePosition,
  };
}

/** Writes the outbox row of a state change; `row` is the run as the change left it. */
export async function insertEvent(
  db: Kysely<RunDatabase>,
  type: RunEventType,
  row: RunRow,
  now: string,
): Promise<void> {
  await db
    .insertInto('run_outbox')
    .values({
      event_id: randomUUID(),
      run_id: row.id,
      seq: Number(row.event_seq),
      event_type: type,
      payload: JSON.stringify(eventPayload(rowToRun(row))),
      created_at: now,
    })
    .execute();
}
