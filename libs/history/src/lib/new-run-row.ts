import type { RunOperation } from '@runbooks/types';
import { capUtf8Tail } from './cap-utf8-tail';
import {
  envVarNames,
  invalidRun,
  labelMap,
  requireText,
  runClient,
  runSlots,
  runTrigger,
  stringList,
  toIso,
} from './run-field-checks';
import type { RunRow } from './run-row';
import type { NewRun } from './run-store';

const MAX_ID_LENGTH = 200;

/** A new run's runbook digest: null, or 64 lowercase hex characters. */
function runbookDigest(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value))
    invalidRun('runbookSha256 must be 64 lowercase hex characters.');
  return value;
}

/** What a store fills in for fields a new run leaves out. */
export interface NewRunDefaults {
  readonly newId: () => string;
  readonly now: () => Date;
  readonly tailBytes: number;
}

/**
 * The row of a new run, every field checked (INVALID_RUN otherwise): queued or denied, attempt 0,
 * output tails capped at `tailBytes`.
 */
export function newRunRow(input: NewRun, defaults: NewRunDefaults): RunRow {
  const id = input.id ?? defaults.newId();
  requireText(id, 'id', MAX_ID_LENGTH);
  requireText(input.runbook, 'runbook', 1000);
  if (typeof input.requestedBy !== 'string') invalidRun('requestedBy must be a string.');
  const status = input.status ?? 'queued';
  if (status !== 'queued' && status !== 'denied')
    invalidRun('A new run is either queued or denied.');
  const operation: RunOperation = input.operation ?? 'execute';
  if (operation !== 'execute' && operation !== 'validate')
    invalidRun('operation must be execute or validate.');
  const createdAt =
    input.createdAt === undefined
      ? defaults.now().toISOString()
      : toIso(input.createdAt, 'createdAt', 'INVALID_RUN');
  let finishedAt: string | null = null;
  if (input.finishedAt !== undefined)
    finishedAt = toIso(input.finishedAt, 'finishedAt', 'INVALID_RUN');
  else if (status === 'denied') finishedAt = createdAt;
  const trigger = runTrigger(input.trigger);
  const scheduledFor =
    input.scheduledFor === undefined || input.scheduledFor === null
      ? null
      : toIso(input.scheduledFor, 'scheduledFor', 'INVALID_RUN');
  if ((trigger === 'schedule') !== (scheduledFor !== null))
    invalidRun('scheduledFor is required with trigger schedule, and only then.');
  if (input.missed !== undefined && typeof input.missed !== 'boolean')
    invalidRun('missed must be a boolean.');
  if (input.missed === true && trigger !== 'schedule')
    invalidRun('Only a scheduled run can make up for missed fires.');
  const returnCode = input.returnCode ?? null;
  if (returnCode !== null && !Number.isInteger(returnCode))
    invalidRun('returnCode must be an integer.');
  return {
    id,
    runbook: input.runbook,
    status,
    operation,
    return_code: returnCode,
    requested_by: input.requestedBy,
    roles: JSON.stringify(stringList(input.roles ?? [], 'roles')),
    correlation_id: input.correlationId ?? id,
    recursion_stack: JSON.stringify(stringList(input.recursionStack ?? [], 'recursionStack')),
    labels: JSON.stringify(labelMap(input.labels ?? {})),
    env_var_names: JSON.stringify(envVarNames(input.envVarNames ?? [])),
    created_at: createdAt,
    started_at: null,
    finished_at: finishedAt,
    updated_at: createdAt,
    attempt: 0,
    worker_id: null,
    heartbeat_at: null,
    stdout: capUtf8Tail(input.stdout ?? '', defaults.tailBytes),
    stderr: capUtf8Tail(input.stderr ?? '', defaults.tailBytes),
    errors: JSON.stringify(stringList(input.errors ?? [], 'errors')),
    warnings: JSON.stringify(stringList(input.warnings ?? [], 'warnings')),
    canceled_by: null,
    cancel_reason: null,
    output_seq: 0,
    event_seq: 1,
    trigger,
    client: runClient(input.client),
    runbook_sha256: runbookDigest(input.runbookSha256),
    approval: null,
    slots: runSlots(input.slots),
    waiting_for: null,
    queue_position: null,
    scheduled_for: scheduledFor,
    missed: input.missed === true ? 1 : 0,
  };
}
