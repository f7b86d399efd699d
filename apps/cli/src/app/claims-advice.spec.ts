import { claimsAdvice, describeClaims } from './claims-advice';

function jwt(payload: unknown): string {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}

describe('claimsAdvice', () => {
  const required = { roles: ['sre', 'api'] };

  it('decides with the same rules as the server', () => {
    expect(claimsAdvice(required, jwt({ sub: 'alice', roles: ['api'] }))).toEqual({
      allowed: true,
      message: 'Requires roles: sre, api: alice may run it.',
    });
    expect(claimsAdvice(required, jwt({ sub: 'bob', roles: 'viewer' }))).toEqual({
      allowed: false,
      message:
        'bob may not run it: RBAC check failed for execute. Missing or invalid claims: roles=viewer (required: sre, api)',
    });
  });

  it('only describes the requirement without a readable token', () => {
    expect(claimsAdvice(required, null)).toEqual({
      allowed: null,
      message: 'Requires roles: sre, api.',
    });
    expect(claimsAdvice(required, 'opaque')).toMatchObject({ allowed: null });
  });

  it('handles unrestricted and unreadable claims', () => {
    expect(claimsAdvice({}, null).allowed).toBe(true);
    expect(claimsAdvice(null, jwt({ roles: ['sre'] })).allowed).toBe(false);
    expect(describeClaims({ roles: ['sre'], team: ['a', 'b'] })).toBe('roles: sre; team: a, b');
  });
});
