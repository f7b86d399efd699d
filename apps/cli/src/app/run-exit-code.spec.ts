import { exitCodeForLocalRun, exitCodeForRemoteRun, exitCodeForReturnCode } from './run-exit-code';

describe('exitCodeForReturnCode', () => {
  it('passes exit statuses through and maps signals like a shell', () => {
    expect(exitCodeForReturnCode(0)).toBe(0);
    expect(exitCodeForReturnCode(3)).toBe(3);
    expect(exitCodeForReturnCode(255)).toBe(255);
    expect(exitCodeForReturnCode(-15)).toBe(143);
    expect(exitCodeForReturnCode(-9)).toBe(137);
    expect(exitCodeForReturnCode(403)).toBe(1);
    expect(exitCodeForReturnCode(1.5)).toBe(1);
  });
});

describe('exitCodeForLocalRun', () => {
  const base = { timedOut: false, canceled: false, failure: null, returnCode: 0 };
  it('gives 124 on timeout, 130 on cancel, 1 when the script could not start', () => {
    expect(exitCodeForLocalRun({ ...base, timedOut: true, returnCode: -9 })).toBe(124);
    expect(exitCodeForLocalRun({ ...base, canceled: true, returnCode: -15 })).toBe(130);
    expect(
      exitCodeForLocalRun({
        ...base,
        returnCode: 1,
        failure: { code: 'INPUT_COPY_FAILED', message: 'x' },
      }),
    ).toBe(1);
    expect(exitCodeForLocalRun({ ...base, returnCode: 7 })).toBe(7);
  });
});

describe('exitCodeForRemoteRun', () => {
  it('prefers the run status, then recognises the timeout message', () => {
    expect(exitCodeForRemoteRun({ return_code: -15, stderr: '' }, 'canceled')).toBe(130);
    expect(exitCodeForRemoteRun({ return_code: -9, stderr: '' }, 'timeout')).toBe(124);
    const timedOut = '\nScript execution timed out after 5 seconds. The script was terminated.\n';
    expect(exitCodeForRemoteRun({ return_code: -9, stderr: timedOut }, null)).toBe(124);
    expect(exitCodeForRemoteRun({ return_code: -9, stderr: '' }, null)).toBe(137);
    expect(exitCodeForRemoteRun({ return_code: 2, stderr: '' }, 'failure')).toBe(2);
  });
});
