import type { RunStatus } from '@runbooks/types';

/** Every run status, in lifecycle order (for filters). */
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
};

/** Whether a string is a known run status. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

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
  return status === 'queued' || status === 'running';
}
