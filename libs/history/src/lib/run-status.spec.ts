import { isHistoryError, HistoryError } from './history-error';
import { RUN_STATUSES, TERMINAL_STATUSES, isRunStatus, isTerminalStatus } from './run-status';

describe('run statuses', () => {
  it('knows the nine statuses and which are final', () => {
    expect(RUN_STATUSES).toHaveLength(9);
    expect(RUN_STATUSES.filter((status) => !isTerminalStatus(status))).toEqual([
      'queued',
      'running',
    ]);
    expect(TERMINAL_STATUSES).toContain('denied');
    expect(TERMINAL_STATUSES).toContain('skipped');
    expect(isRunStatus('lost')).toBe(true);
    expect(isRunStatus('paused')).toBe(false);
    expect(isRunStatus(3)).toBe(false);
  });

  it('recognizes history errors by code', () => {
    const error = new HistoryError('RUN_NOT_FOUND', 'gone');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('HistoryError');
    expect(isHistoryError(error)).toBe(true);
    expect(isHistoryError(error, 'RUN_NOT_FOUND')).toBe(true);
    expect(isHistoryError(error, 'RUN_EXISTS')).toBe(false);
    expect(isHistoryError(new Error('x'))).toBe(false);
  });
});
