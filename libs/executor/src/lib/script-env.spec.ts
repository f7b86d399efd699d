import { userInfo } from 'node:os';
import { buildScriptEnv, DEFAULT_PATH, isValidEnvName, stripControlChars } from './script-env';

function envOf(result: ReturnType<typeof buildScriptEnv>): Record<string, string> {
  if (!result.ok) throw new Error(result.message);
  return { ...result.env };
}

describe('buildScriptEnv', () => {
  const serverEnv = {
    PATH: '/srv/bin:/usr/bin',
    HOME: '/home/api',
    LANG: 'en_US.UTF-8',
    TZ: 'Europe/Berlin',
    JWT_SECRET: 'research-secret',
    DATABASE_URL: 'postgres://secret',
    DECLARED: 'from-server',
    ALLOWED: 'passed-through',
    EMPTY: '',
  };

  it('starts from scratch: base set only, never the rest of the server env', () => {
    const env = envOf(buildScriptEnv({ serverEnv, shellPath: '/usr/bin/zsh' }));
    expect(env).toEqual({
      PATH: '/srv/bin:/usr/bin',
      HOME: '/home/api',
      LANG: 'en_US.UTF-8',
      TZ: 'Europe/Berlin',
      USER: userInfo().username,
      SHELL: '/usr/bin/zsh',
      TMPDIR: '/tmp',
    });
    expect(env).not.toHaveProperty('JWT_SECRET');
  });

  it('fills the base set with sane defaults when the server env is empty', () => {
    const env = envOf(buildScriptEnv({ serverEnv: {} }));
    expect(env).toEqual({
      PATH: DEFAULT_PATH,
      HOME: userInfo().homedir,
      LANG: 'C.UTF-8',
      USER: userInfo().username,
      SHELL: '/bin/zsh',
      TMPDIR: '/tmp',
    });
  });

  it('takes server values only through passthrough, and request values only for declared names', () => {
    const result = buildScriptEnv({
      serverEnv,
      declaredEnv: ['DECLARED', 'EMPTY', 'MISSING', 'BAD-NAME', 'RUNBOOK_URL', 'OWN'],
      passthroughEnv: ['ALLOWED'],
      envVars: { OWN: 'mine', OTHER: 'not declared' },
    });
    const env = envOf(result);
    expect(env).toMatchObject({ ALLOWED: 'passed-through', OWN: 'mine' });
    expect(result).toMatchObject({ ok: true, ignoredNames: ['OTHER'] });
    expect(env).not.toHaveProperty('DECLARED');
    expect(env).not.toHaveProperty('EMPTY');
    expect(env).not.toHaveProperty('OTHER');
    expect(env).not.toHaveProperty('MISSING');
    expect(env).not.toHaveProperty('BAD-NAME');
    expect(env).not.toHaveProperty('RUNBOOK_URL');
    expect(
      envOf(buildScriptEnv({ serverEnv, declaredEnv: ['DECLARED'], envVars: { DECLARED: 'req' } }))[
        'DECLARED'
      ],
    ).toBe('req');
  });

  it('never lets a request set a control variable, nor a system one', () => {
    const result = buildScriptEnv({
      serverEnv,
      envVars: {
        PATH: '/custom',
        BASH_ENV: '$(id)',
        ld_preload: '/tmp/x.so',
        GIT_CONFIG_COUNT: '1',
        https_proxy: 'http://evil',
        RUNBOOK_URL: 'http://evil',
        RUNBOOK_API_TOKEN: 'forged',
        RUNBOOK_OTHER: 'x',
      },
      systemEnv: { RUNBOOK_URL: 'http://localhost:8083/api/runbooks' },
    });
    const env = envOf(result);
    expect(env['PATH']).toBe('/srv/bin:/usr/bin');
    for (const name of [
      'BASH_ENV',
      'ld_preload',
      'GIT_CONFIG_COUNT',
      'https_proxy',
      'RUNBOOK_OTHER',
    ])
      expect(env).not.toHaveProperty(name);
    expect(result).toMatchObject({
      ignoredNames: [
        'PATH',
        'BASH_ENV',
        'ld_preload',
        'GIT_CONFIG_COUNT',
        'https_proxy',
        'RUNBOOK_OTHER',
      ],
    });
    expect(env['RUNBOOK_URL']).toBe('http://localhost:8083/api/runbooks');
    expect(env).not.toHaveProperty('RUNBOOK_API_TOKEN');
  });

  it('lets an operator allow a control name, and never passes the server secrets', () => {
    const result = buildScriptEnv({
      serverEnv: { ...serverEnv, JWT_SECRET: 's' },
      passthroughEnv: ['ALLOWED', 'JWT_SECRET'],
      secretEnvNames: ['JWT_SECRET'],
      allowedControlEnv: ['KUBECONFIG'],
      envVars: { KUBECONFIG: '/etc/kube' },
      baseOverrides: { HOME: '/run/dir' },
    });
    expect(envOf(result)).toMatchObject({ KUBECONFIG: '/etc/kube', HOME: '/run/dir' });
    expect(envOf(result)).not.toHaveProperty('JWT_SECRET');
  });

  it('ignores system names even when they are not valid names elsewhere in the order', () => {
    const result = buildScriptEnv({ serverEnv, envVars: { RUNBOOK_HEADERS: 'x', OK: '1' } });
    expect(envOf(result)['OK']).toBe('1');
  });

  it('rejects the first invalid name with the reference message', () => {
    const result = buildScriptEnv({
      serverEnv,
      envVars: { GOOD: '1', 'BAD-NAME': 'x', '9LIVES': 'y' },
    });
    expect(result).toEqual({
      ok: false,
      code: 'INVALID_ENV_NAME',
      invalidName: 'BAD-NAME',
      message: 'ERROR: Invalid environment variable name: BAD-NAME',
    });
  });

  it('converts values like Python str() and strips control characters except \\t \\n \\r', () => {
    const env = envOf(
      buildScriptEnv({
        serverEnv,
        envVars: {
          A: 'a\u0001b\tc',
          B: 5,
          C: true,
          D: null,
          E: ['x', 1],
          F: 'l1\nl2\r\u001b[0m\u0000',
        },
      }),
    );
    expect(env).toMatchObject({
      A: 'ab\tc',
      B: '5',
      C: 'True',
      D: '',
      E: "['x', 1]",
      F: 'l1\nl2\r[0m',
    });
  });

  it('accepts __proto__ as an ordinary variable name without touching prototypes', () => {
    const envVars = JSON.parse('{"__proto__": "p"}') as Record<string, unknown>;
    const env = envOf(buildScriptEnv({ serverEnv, envVars }));
    expect(Object.prototype.hasOwnProperty.call(env, '__proto__')).toBe(true);
    expect(env['__proto__' as string]).toBe('p');
  });
});

describe('isValidEnvName / stripControlChars', () => {
  it.each([
    ['A', true],
    ['_x9', true],
    ['a_B_1', true],
    ['9A', false],
    ['BAD-NAME', false],
    ['', false],
    ['A B', false],
    ['É', false],
  ])('%p valid=%p', (name, valid) => {
    expect(isValidEnvName(name)).toBe(valid);
  });

  it('keeps DEL and printable text', () => {
    expect(stripControlChars('a\u007fb\u000bc\u000cd')).toBe('a\u007fbcd');
  });
});
