import type { RunStatus } from '@runbooks/types';
import type { Selectable } from 'kysely';
import { HistoryError } from './history-error';
import { isRunStatus } from './run-status';
import type { Run } from './run-store';
import type { RunsTable } from './run-store-schema';

/** A `runs` row as read. */
export type RunRow = Selectable<RunsTable>;
/** What `rowToRun` needs: every column but the event counter. */
export type RecordRow = Omit<RunRow, 'event_seq'>;
export type ListedRow = Omit<RecordRow, 'stdout' | 'stderr'> &
  Partial<Pick<RunRow, 'stdout' | 'stderr'>>;

/** Every column of a run record but its output tails (list pages without output). */
export const SUMMARY_COLUMNS = [
  'runs.id',
  'runs.runbook',
  'runs.status',
  'runs.operation',
  'runs.return_code',
  'runs.requested_by',
  'runs.roles',
  'runs.correlation_id',
  'runs.recursion_stack',
  'runs.labels',
  'runs.env_var_names',
  'runs.created_at',
  'runs.started_at',
  'runs.finished_at',
  'runs.updated_at',
  'runs.attempt',
  'runs.worker_id',
  'runs.heartbeat_at',
  'runs.errors',
  'runs.warnings',
  'runs.canceled_by',
  'runs.cancel_reason',
  'runs.output_seq',
  'runs.trigger',
  'runs.client',
  'runs.scheduled_for',
  'runs.missed',
] as const;
/** Every column of a run record. */
export const ALL_COLUMNS = [...SUMMARY_COLUMNS, 'runs.stdout', 'runs.stderr'] as const;

function parseStrings(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function parseLabels(text: string): Record<string, string> {
  const value: unknown = JSON.parse(text);
  const labels: Record<string, string> = {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value))
      if (typeof item === 'string') labels[key] = item;
  }
  return labels;
}

/** A row's status; one this version does not know is an error, never read as another status. */
function storedStatus(row: RecordRow): RunStatus {
  if (isRunStatus(row.status)) return row.status;
  throw new HistoryError(
    'INVALID_RUN',
    `Run ${row.id} has a status this version does not know: ${String(row.status)} (written by a newer version?)`,
  );
}

export function rowToRun(row: RecordRow): Run {
  return {
    id: row.id,
    runbook: row.runbook,
    status: storedStatus(row),
    operation: row.operation === 'validate' ? 'validate' : 'execute',
    returnCode: row.return_code === null ? null : Number(row.return_code),
    requestedBy: row.requested_by,
    roles: parseStrings(row.roles),
    correlationId: row.correlation_id,
    recursionStack: parseStrings(row.recursion_stack),
    labels: parseLabels(row.labels),
    envVarNames: parseStrings(row.env_var_names),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    attempt: Number(row.attempt),
    workerId: row.worker_id,
    heartbeatAt: row.heartbeat_at,
    stdout: row.stdout,
    stderr: row.stderr,
    errors: parseStrings(row.errors),
    warnings: parseStrings(row.warnings),
    canceledBy: row.canceled_by,
    cancelReason: row.cancel_reason,
    trigger: row.trigger === 'mcp' || row.trigger === 'schedule' ? row.trigger : 'api',
    client: row.client,
    scheduledFor: row.scheduled_for,
    missed: Number(row.missed) === 1,
  };
}
