import {
  RUN_STATUSES,
  RUN_TRANSITIONS,
  TERMINAL_STATUSES,
  isAllowedTransition,
  isRunStatus,
  isTerminalStatus,
} from './run-lifecycle';

describe('the run lifecycle table', () => {
  it('has a row for every status, and final statuses lead nowhere', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual([...RUN_STATUSES].sort());
    for (const status of TERMINAL_STATUSES) expect(RUN_TRANSITIONS[status]).toEqual([]);
    for (const status of RUN_STATUSES)
      expect(isTerminalStatus(status)).toBe(RUN_TRANSITIONS[status].length === 0);
  });

  it('allows the lifecycle and nothing else', () => {
    expect(isAllowedTransition('queued', 'running')).toBe(true);
    expect(isAllowedTransition('running', 'queued')).toBe(true);
    expect(isAllowedTransition('queued', 'timeout')).toBe(false);
    expect(isAllowedTransition('running', 'denied')).toBe(false);
    expect(isAllowedTransition('success', 'failure')).toBe(false);
    expect(isAllowedTransition('queued', 'queued')).toBe(false);
  });

  it('lets a checked run wait for approval, and only approval starts it', () => {
    expect(isAllowedTransition('queued', 'pending_approval')).toBe(true);
    for (const to of ['queued', 'rejected', 'expired', 'canceled'] as const)
      expect(isAllowedTransition('pending_approval', to)).toBe(true);
    expect(isAllowedTransition('pending_approval', 'running')).toBe(false);
    expect(isAllowedTransition('pending_approval', 'success')).toBe(false);
    expect(isAllowedTransition('running', 'pending_approval')).toBe(false);
    expect(isTerminalStatus('rejected')).toBe(true);
    expect(isTerminalStatus('expired')).toBe(true);
  });

  it('recognises statuses exactly', () => {
    expect(isRunStatus('running')).toBe(true);
    expect(isRunStatus('Running')).toBe(false);
    expect(isRunStatus(undefined)).toBe(false);
  });
});
