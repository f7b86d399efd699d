import { ExecutorError } from '@runbooks/executor';
import { HistoryError } from '@runbooks/history';
import { CommanderError } from 'commander';
import { CliError } from './cli-error';
import { describeError, exitCodeFor } from './describe-error';

describe('describeError', () => {
  it('maps CLI error codes to their exit codes with one line and no stack', () => {
    const report = describeError(new CliError('FORBIDDEN', 'forbidden: RBAC check failed'), false);
    expect(report).toEqual({
      exitCode: 77,
      message: 'error: forbidden: RBAC check failed',
      detail: null,
    });
    expect(exitCodeFor('NOT_FOUND')).toBe(66);
    expect(exitCodeFor('RATE_LIMITED')).toBe(75);
    expect(exitCodeFor('API_UNREACHABLE')).toBe(69);
    expect(exitCodeFor('USAGE')).toBe(64);
    expect(exitCodeFor('INTERRUPTED')).toBe(130);
  });

  it('adds the stack and causes with --debug', () => {
    const error = new CliError('FAILED', 'outer', { cause: new Error('inner') });
    const report = describeError(error, true);
    expect(report.detail).toContain('CliError: outer');
    expect(report.detail).toContain('Caused by:');
    expect(report.detail).toContain('Error: inner');
  });

  it('treats commander help/version as success and its errors as usage errors', () => {
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', ''), false)).toEqual({
      exitCode: 0,
      message: '',
      detail: null,
    });
    expect(
      describeError(new CommanderError(1, 'commander.unknownOption', 'x'), false).exitCode,
    ).toBe(64);
  });

  it('maps library errors by their code', () => {
    expect(describeError(new HistoryError('HISTORY_FILE_NOT_FOUND', 'gone'), false).exitCode).toBe(
      66,
    );
    expect(describeError(new HistoryError('HISTORY_LOCK_TIMEOUT', 'busy'), false)).toMatchObject({
      exitCode: 1,
      message: 'error: could not record history: busy',
    });
    expect(describeError(new ExecutorError('INVALID_OPTIONS', 'bad'), false).exitCode).toBe(64);
  });

  it('reports file system errors without calling them bugs', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), {
      code: 'ENOENT',
    });
    expect(describeError(enoent, false)).toMatchObject({
      exitCode: 66,
      message: `error: ${enoent.message}`,
    });
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(describeError(eacces, false).exitCode).toBe(1);
  });

  it('calls anything else an internal error and hints at --debug', () => {
    expect(describeError(new TypeError('boom'), false)).toEqual({
      exitCode: 70,
      message: 'error: internal error: boom (run with --debug for details)',
      detail: null,
    });
    expect(describeError('text', true).detail).toBe('"text"');
  });
});
