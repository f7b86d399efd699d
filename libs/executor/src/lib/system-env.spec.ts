import { buildSystemEnv, isSystemEnvName, SYSTEM_ENV_NAMES } from './system-env';

describe('buildSystemEnv', () => {
  const base = {
    token: 'tok.en',
    correlationId: 'corr-1',
    runbookUrl: 'http://localhost:8083/api/runbooks',
    recursionStack: ['A.md', 'EnvProbe.md'],
  };

  it('builds every RUNBOOK_* variable as the reference does', () => {
    expect(buildSystemEnv({ ...base, runDirPath: '/exec/runbook-exec-31ac1533-07e4rx' })).toEqual({
      RUNBOOK_API_TOKEN: 'tok.en',
      RUNBOOK_CORRELATION_ID: 'corr-1',
      RUNBOOK_URL: 'http://localhost:8083/api/runbooks',
      RUNBOOK_RECURSION_STACK: '["A.md", "EnvProbe.md"]',
      RUNBOOK_H_RECUR: 'X-Recursion-Stack: ["A.md", "EnvProbe.md"]',
      RUNBOOK_H_CORR: 'X-Correlation-Id: corr-1',
      RUNBOOK_H_AUTH: 'Authorization: Bearer tok.en',
      RUNBOOK_H_CTYPE: 'Content-Type: application/json',
      RUNBOOK_HEADERS:
        '-H "X-Recursion-Stack: ["A.md", "EnvProbe.md"]" -H "X-Correlation-Id: corr-1" ' +
        '-H "Authorization: Bearer tok.en" -H "Content-Type: application/json"',
      RUNBOOK_EXEC_DIR_HOST: '/exec/runbook-exec-31ac1533-07e4rx',
    });
  });

  it('omits token, correlation and stack variables when they are empty', () => {
    const env = buildSystemEnv({
      runbookUrl: 'http://h:1/api/runbooks',
      recursionStack: [],
      token: '',
      correlationId: null,
    });
    expect(env).toEqual({
      RUNBOOK_URL: 'http://h:1/api/runbooks',
      RUNBOOK_H_CTYPE: 'Content-Type: application/json',
      RUNBOOK_HEADERS: '-H "Content-Type: application/json"',
    });
  });

  it('leaves out any caller value that holds a shell metacharacter', () => {
    const env = buildSystemEnv({
      token: 'tok"; id; "',
      correlationId: '$(id)',
      runbookUrl: 'http://h:1/api/runbooks',
      recursionStack: ['A.md', '$(echo INJECTED >&2).md'],
    });
    expect(env).toEqual({
      RUNBOOK_URL: 'http://h:1/api/runbooks',
      RUNBOOK_H_CTYPE: 'Content-Type: application/json',
      RUNBOOK_HEADERS: '-H "Content-Type: application/json"',
    });
  });

  it('carries the nesting proof as a Content-Type parameter of RUNBOOK_H_CTYPE', () => {
    const env = buildSystemEnv({ ...base, nestingProof: 'run-1.abc123' });
    expect(env['RUNBOOK_H_CTYPE']).toBe(
      'Content-Type: application/json; runbook-parent=run-1.abc123',
    );
    expect(env['RUNBOOK_HEADERS']).toContain(
      '-H "Content-Type: application/json; runbook-parent=run-1.abc123"',
    );
  });

  it('maps the run dir to MOUNT_DIR when it sits directly in the execution dir', () => {
    const env = buildSystemEnv({
      ...base,
      mountDir: '/host/exec///',
      executionDir: '/exec/',
      runDirPath: '/exec/runbook-exec-31ac1533-07e4rx',
    });
    expect(env['RUNBOOK_EXEC_DIR_HOST']).toBe('/host/exec/runbook-exec-31ac1533-07e4rx');
  });

  it('keeps the container path when the run dir is elsewhere or MOUNT_DIR is unset', () => {
    expect(
      buildSystemEnv({
        ...base,
        mountDir: '/host',
        executionDir: '/exec',
        runDirPath: '/tmp/runbook-exec-x',
      })['RUNBOOK_EXEC_DIR_HOST'],
    ).toBe('/tmp/runbook-exec-x');
    expect(
      buildSystemEnv({ ...base, executionDir: '/exec', runDirPath: '/exec/runbook-exec-x' })[
        'RUNBOOK_EXEC_DIR_HOST'
      ],
    ).toBe('/exec/runbook-exec-x');
  });

  it('covers exactly the system names it produces', () => {
    const env = buildSystemEnv({ ...base, runDirPath: '/x/y' });
    expect(Object.keys(env).sort()).toEqual([...SYSTEM_ENV_NAMES].sort());
    expect(SYSTEM_ENV_NAMES.every((name) => isSystemEnvName(name))).toBe(true);
    expect(isSystemEnvName('RUNBOOK_OTHER')).toBe(false);
  });
});
