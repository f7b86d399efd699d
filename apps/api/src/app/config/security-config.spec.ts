import { readSecurityConfig, readTrustProxy } from './security-config';

function read(values: Record<string, string>, env: Record<string, string> = {}, keyPair = false) {
  return readSecurityConfig((name) => values[name] ?? '', env, keyPair);
}

const STRONG = { JWT_SECRET: 's'.repeat(32) };

describe('readSecurityConfig', () => {
  it('refuses dev-login in production unless explicitly allowed (then warns)', () => {
    const prod = { NODE_ENV: 'production' };
    expect(read({ ...STRONG, ENABLE_LOGIN: 'true' }, prod).errors).toEqual([
      expect.stringContaining('ENABLE_LOGIN=true is refused with NODE_ENV=production'),
    ]);
    const allowed = read(
      { ...STRONG, ENABLE_LOGIN: 'true', ALLOW_DEV_LOGIN_IN_PRODUCTION: 'true' },
      prod,
    );
    expect(allowed.errors).toEqual([]);
    expect(allowed.security.warnings).toHaveLength(1);
    expect(read({ ...STRONG, ENABLE_LOGIN: 'true' }).errors).toEqual([]);
  });

  it('needs a 32-byte secret in production, unless keys are public keys', () => {
    const prod = { NODE_ENV: 'production' };
    expect(read({ JWT_SECRET: 'x' }, prod).errors).toEqual([
      'JWT_SECRET must be at least 32 bytes with NODE_ENV=production (got 1)',
    ]);
    expect(read({ JWT_SECRET: 'x' }, prod, true).errors).toEqual([]);
    expect(read({ JWT_SECRET: 'x' }).errors).toEqual([]);
    expect(read(STRONG, prod).errors).toEqual([]);
  });

  it('reads RBAC_MULTI_VALUED_CLAIMS as claim names', () => {
    expect(
      read({ RBAC_MULTI_VALUED_CLAIMS: ' groups, teams ,' }).security.multiValuedClaims,
    ).toEqual(['groups', 'teams']);
    expect(read({ RBAC_MULTI_VALUED_CLAIMS: 'a b' }).errors).toEqual([
      expect.stringContaining('RBAC_MULTI_VALUED_CLAIMS must be a comma-separated list'),
    ]);
  });
});

describe('readTrustProxy', () => {
  it.each<[string, ReturnType<typeof readTrustProxy>]>([
    ['false', false],
    ['', false],
    ['true', 1],
    ['2', 2],
    ['10.0.0.1, 10.1.0.0/16', ['10.0.0.1', '10.1.0.0/16']],
    ['loopback,::1', ['loopback', '::1']],
    ['10.0.0.0/33', null],
    ['proxy.example', null],
  ])('%j', (text, expected) => {
    expect(readTrustProxy(text)).toEqual(expected);
  });
});
