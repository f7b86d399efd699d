import type { RunApproval, RunStatus } from '@runbooks/types';
import type { Selectable } from 'kysely';
import { HistoryError } from './history-error';
import { isRunStatus } from './run-status';
import type { Run, RunSlot } from './run-store';
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
  'runs.runbook_sha256',
  'runs.approval',
  'runs.slots',
  'runs.waiting_for',
  'runs.queue_position',
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
    runbookSha256: row.runbook_sha256 ?? null,
    approval: parseApproval(row.approval ?? null),
    slots: parseSlots(row.slots),
    waitingFor: row.waiting_for,
    queuePosition: row.queue_position === null ? null : Number(row.queue_position),
    scheduledFor: row.scheduled_for,
    missed: Number(row.missed) === 1,
  };
}

/** The stored approval state; an unreadable one is an error, never read as "no gate". */
function parseApproval(text: string | null): RunApproval | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new HistoryError('INVALID_RUN', 'A run has an unreadable approval state.');
  return value as RunApproval;
}

/** The stored slots; unreadable content is an error, never "no slots" (fail closed). */
function parseSlots(text: string | null): RunSlot[] {
  if (text === null) return [];
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new HistoryError('INVALID_RUN', 'Unreadable run slots.');
  return value.map((item: unknown) => {
    const slot = item as Partial<RunSlot> | null;
    if (
      typeof slot?.key !== 'string' ||
      typeof slot.label !== 'string' ||
      typeof slot.limit !== 'number'
    )
      throw new HistoryError('INVALID_RUN', 'Unreadable run slot.');
    return { key: slot.key, limit: slot.limit, label: slot.label };
  });
}
