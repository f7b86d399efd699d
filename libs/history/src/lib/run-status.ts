import type { RunStatus } from '@runbooks/types';

/** Every run status, in lifecycle order. */
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'success',
  'failure',
  'timeout',
  'canceled',
  'lost',
  'denied',
];

/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: readonly RunStatus[] = [
  'success',
  'failure',
  'timeout',
  'canceled',
  'lost',
  'denied',
];

/** True when `value` is one of the eight run statuses. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** True when a run in this status is finished and can no longer change. */
export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
