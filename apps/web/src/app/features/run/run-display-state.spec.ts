import type { ExecuteResult, RunRecord } from '@runbooks/types';
import { ApiError } from '../../core/api/api-error';
import { runDisplayState, type RunViewFacts } from './run-display-state';

const running = { id: 'r1', status: 'running', return_code: null } as unknown as RunRecord;
const canceled = {
  id: 'r1',
  status: 'canceled',
  return_code: -15,
  canceled_by: 'system',
  cancel_reason: 'server shutdown',
} as unknown as RunRecord;
const killed = { success: false, return_code: -15, errors: [] } as unknown as ExecuteResult;
const down = new ApiError('network', 0, 'Cannot reach the server');
const shutdown = { graceSeconds: 2, cancelAt: '2026-12-03T15:00:00.000Z' };

function state(facts: Partial<RunViewFacts>) {
  return runDisplayState(
    { record: null, recordError: null, result: null, stream: 'live', shutdown: null, ...facts },
    (iso) => `<${iso}>`,
  );
}

describe('runDisplayState', () => {
  it('shows a running run as active, with Cancel, and no notice', () => {
    expect(state({ record: running })).toMatchObject({
      status: 'running',
      isActive: true,
      exitCode: null,
      notice: null,
      isLoadError: false,
      isSettled: false,
    });
  });

  it('says that the server is shutting down while the run still goes', () => {
    expect(state({ record: running, shutdown })).toMatchObject({
      status: 'running',
      isActive: true,
      notice:
        'The server is shutting down: if this run is still going at <2026-12-03T15:00:00.000Z>, it is canceled.',
    });
  });

  it('after done without a final record: ended, not running, no Cancel, no load error', () => {
    const facts = { record: running, result: killed, stream: 'ended' as const, shutdown };
    expect(state({ ...facts, recordError: down })).toEqual({
      status: 'Ended',
      isActive: false,
      exitCode: -15,
      streamLabel: 'Complete',
      notice:
        'The run ended while the server stopped. This page shows its recorded outcome as soon as the server answers again.',
      isLoadError: false,
      isSettled: false,
    });
    expect(state({ record: running, result: killed, stream: 'ended' }).notice).toBe(
      'The run ended; loading its record…',
    );
  });

  it('lets a final record win over everything else', () => {
    expect(
      state({ record: canceled, result: killed, stream: 'ended', shutdown, recordError: null }),
    ).toMatchObject({
      status: 'canceled',
      isActive: false,
      exitCode: -15,
      notice: null,
      isSettled: true,
    });
  });

  it('is a load error only when there is no record to show', () => {
    expect(state({ recordError: down }).isLoadError).toBe(true);
    expect(state({ record: running, recordError: down }).isLoadError).toBe(false);
    expect(state({ record: running, recordError: down, stream: 'failed' }).notice).toBe(
      'The server does not answer. This page shows the run again as soon as it does.',
    );
  });
});
