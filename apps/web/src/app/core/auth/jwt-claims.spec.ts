import { encodeSegment as b64url, makeJwt } from '../../../testing/make-jwt';
import { TokenFormatError, readJwtClaims, rolesOf } from './jwt-claims';

describe('readJwtClaims', () => {
  it('reads subject, roles and expiry', () => {
    const summary = readJwtClaims(
      makeJwt({ sub: 'alice', roles: ['sre', 'api'], exp: 2_000_000_000 }),
    );
    expect(summary).toMatchObject({
      subject: 'alice',
      roles: ['sre', 'api'],
      expiresAt: 2_000_000_000_000,
    });
  });

  it('accepts comma-separated roles, unicode payloads and tokens without exp', () => {
    const summary = readJwtClaims(makeJwt({ sub: 'zoë', roles: 'sre, api' }));
    expect(summary.subject).toBe('zoë');
    expect(summary.roles).toEqual(['sre', 'api']);
    expect(summary.expiresAt).toBeNull();
  });

  it.each([
    ['not a token', 'not a JSON Web Token'],
    ['a.b', 'not a JSON Web Token'],
    ['..sig', 'not a JSON Web Token'],
    [`${b64url({})}.%%%.sig`, 'cannot be read'],
    [`${b64url({})}.${b64url([1, 2])}.sig`, 'not a JSON object'],
  ])('refuses %s', (token, message) => {
    expect(() => readJwtClaims(token)).toThrow(TokenFormatError);
    expect(() => readJwtClaims(token)).toThrow(message);
  });

  it('normalises roles claims', () => {
    expect(rolesOf(['a', 1, 'b'])).toEqual(['a', 'b']);
    expect(rolesOf(' a ,, b ')).toEqual(['a', 'b']);
    expect(rolesOf(42)).toEqual([]);
  });
});
