import type { RunRecord } from '@runbooks/types';
import type { Run } from './run-store';

/** Maps a stored run to the snake_case `RunRecord` served by the API (internal fields dropped). */
export function toWire(run: Run): RunRecord {
  return {
    id: run.id,
    runbook: run.runbook,
    status: run.status,
    operation: run.operation,
    return_code: run.returnCode,
    requested_by: run.requestedBy,
    roles: [...run.roles],
    correlation_id: run.correlationId,
    recursion_stack: [...run.recursionStack],
    labels: { ...run.labels },
    env_var_names: [...run.envVarNames],
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    attempt: run.attempt,
    stdout: run.stdout,
    stderr: run.stderr,
    errors: [...run.errors],
    warnings: [...run.warnings],
    canceled_by: run.canceledBy,
    cancel_reason: run.cancelReason,
    trigger: run.trigger,
    client: run.client,
    runbook_sha256: run.runbookSha256,
    approval: run.approval,
    waiting_for: run.waitingFor,
    queue_position: run.queuePosition,
    scheduled_for: run.scheduledFor,
    missed: run.missed,
  };
}
