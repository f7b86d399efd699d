import { evaluateClaims } from './evaluate-claims';
import { normalizeTokenClaims } from './normalize-token-claims';

describe('normalizeTokenClaims', () => {
  it.each<[string, unknown, string[]]>([
    ['a list is kept', ['admin', 'devops', 'engineer'], ['admin', 'devops', 'engineer']],
    ['list items are stringified', [1, 'sre'], ['1', 'sre']],
    ['a comma string is split and trimmed', 'admin, developer', ['admin', 'developer']],
    ['a single string', 'sre', ['sre']],
    ['an empty string', '', []],
    ['absent', undefined, []],
    ['null', null, []],
    ['a number is not roles', 7, []],
    ['a boolean is not roles', true, []],
    ['an object is not roles', { sre: true }, []],
  ])('roles: %s', (_label, roles, expected) => {
    const payload: Record<string, unknown> = { sub: 'u1' };
    if (roles !== undefined) payload['roles'] = roles;
    const mapped = normalizeTokenClaims(payload);
    expect(mapped.roles).toEqual(expected);
    expect(mapped.claims['roles']).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['sub becomes user_id', { sub: 'dev-user-1' }, 'dev-user-1'],
    ['a numeric sub is stringified', { sub: 42 }, '42'],
    ['no sub falls back to an existing user_id claim', { user_id: 'legacy' }, 'legacy'],
    ['sub wins over a user_id claim', { sub: 'new', user_id: 'old' }, 'new'],
    ['no sub at all gives an empty id', {}, ''],
    ['an empty sub gives an empty id', { sub: '' }, ''],
    ['a non-string sub is ignored', { sub: { nested: 1 } }, ''],
  ])('%s', (_label, payload, userId) => {
    const mapped = normalizeTokenClaims(payload);
    expect(mapped.userId).toBe(userId);
    expect(mapped.claims['user_id']).toBe(userId);
  });

  it('keeps every other claim and does not modify the payload', () => {
    const payload = Object.freeze({
      iss: 'dev-idp',
      aud: 'dev-api',
      sub: 'u1',
      iat: 1,
      exp: 2,
      roles: 'sre, api',
      team: 'core',
    });
    const mapped = normalizeTokenClaims(payload);
    expect(mapped).toEqual({
      userId: 'u1',
      roles: ['sre', 'api'],
      claims: {
        iss: 'dev-idp',
        aud: 'dev-api',
        sub: 'u1',
        iat: 1,
        exp: 2,
        roles: ['sre', 'api'],
        team: 'core',
        user_id: 'u1',
      },
    });
    expect(payload.roles).toBe('sre, api');
  });

  it('produces claims that RBAC can evaluate on any claim name', () => {
    const { claims } = normalizeTokenClaims({
      sub: 'u1',
      roles: 'sre',
      environment: 'prod, staging',
    });
    const required = { roles: ['sre'], environment: ['staging'], user_id: ['u1'] };
    expect(evaluateClaims(required, claims).allowed).toBe(false);
    expect(evaluateClaims(required, claims, { multiValuedClaims: ['environment'] }).allowed).toBe(
      true,
    );
  });

  it('does not trim Unicode spaces off roles', () => {
    expect(normalizeTokenClaims({ roles: ['\u00a0admin\ufeff', ' sre '] }).roles).toEqual([
      '\u00a0admin\ufeff',
      'sre',
    ]);
  });
});
