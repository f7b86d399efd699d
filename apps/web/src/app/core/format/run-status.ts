import { isRunStatus, isTerminalStatus, type RunStatus } from '@runbooks/types';

// The statuses and the lifecycle table are the wire contract's (one list for API, CLI and console).
export { RUN_STATUSES, isRunStatus } from '@runbooks/types';

/** Colour family of a status chip. */
export type StatusTone = 'neutral' | 'progress' | 'good' | 'bad' | 'warn';

const LABELS: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  success: 'Succeeded',
  failure: 'Failed',
  timeout: 'Timed out',
  canceled: 'Canceled',
  lost: 'Lost',
  denied: 'Denied',
  skipped: 'Skipped',
};

const TONES: Record<RunStatus, StatusTone> = {
  queued: 'neutral',
  running: 'progress',
  success: 'good',
  failure: 'bad',
  timeout: 'bad',
  canceled: 'warn',
  lost: 'warn',
  denied: 'bad',
  skipped: 'warn',
};

/** Human label of a status ("Succeeded"); unknown values are shown as sent. */
export function statusLabel(status: string | null | undefined): string {
  if (!status) return 'Unknown';
  return isRunStatus(status) ? LABELS[status] : status;
}

/** Colour family of a status. */
export function statusTone(status: string | null | undefined): StatusTone {
  return isRunStatus(status) ? TONES[status] : 'neutral';
}

/** Whether a run can still produce output (and be canceled). */
export function isActiveStatus(status: string | null | undefined): boolean {
  return isRunStatus(status) && !isTerminalStatus(status);
}
