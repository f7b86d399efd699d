import { decodeJwtPayload, jwtExpiry } from './jwt-payload';

function jwt(payload: unknown): string {
  const encode = (value: unknown): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}.signature`;
}

describe('decodeJwtPayload', () => {
  it('decodes the claims without verifying', () => {
    expect(decodeJwtPayload(jwt({ sub: 'alice', roles: ['sre'] }))).toEqual({
      sub: 'alice',
      roles: ['sre'],
    });
  });

  it('returns null for anything that is not a JWT with an object payload', () => {
    expect(decodeJwtPayload('opaque-token')).toBeNull();
    expect(decodeJwtPayload('a..c')).toBeNull();
    expect(decodeJwtPayload(`x.${Buffer.from('[1]').toString('base64url')}.y`)).toBeNull();
    expect(decodeJwtPayload('x.%%%.y')).toBeNull();
  });
});

describe('jwtExpiry', () => {
  it('reads exp as a date', () => {
    expect(jwtExpiry(jwt({ exp: 1_900_000_000 }))?.toISOString()).toBe('2030-03-17T17:46:40.000Z');
    expect(jwtExpiry(jwt({ sub: 'x' }))).toBeNull();
  });
});
