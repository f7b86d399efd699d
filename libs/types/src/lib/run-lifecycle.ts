import type { RunStatus } from './runs';

/** Every run status, in lifecycle order. */
export const RUN_STATUSES: readonly RunStatus[] = Object.freeze([
  'queued',
  'running',
  'success',
  'failure',
  'timeout',
  'canceled',
  'lost',
  'denied',
  'skipped',
]);

/** Statuses a run never leaves. */
export const TERMINAL_STATUSES: readonly RunStatus[] = Object.freeze([
  'success',
  'failure',
  'timeout',
  'canceled',
  'lost',
  'denied',
  'skipped',
]);

/**
 * The run lifecycle: for each status, the statuses a run may move to. A queued run starts, is
 * refused before it runs (`failure` for validation or recursion, `denied` for RBAC), is canceled,
 * or is found `lost` when its server went away; a running run ends, or goes back to `queued` when
 * its worker was lost and its Retry Policy allows another attempt. Final statuses lead nowhere.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = Object.freeze({
  queued: ['running', 'failure', 'denied', 'canceled', 'lost', 'skipped'],
  running: ['success', 'failure', 'timeout', 'canceled', 'lost', 'queued'],
  success: [],
  failure: [],
  timeout: [],
  canceled: [],
  lost: [],
  denied: [],
  skipped: [],
});

/** True when `value` is one of the run statuses. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

/** True when a run in this status is finished and can no longer change. */
export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** True when the lifecycle lets a run move from `from` to `to`. */
export function isAllowedTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from]?.includes(to) ?? false;
}
