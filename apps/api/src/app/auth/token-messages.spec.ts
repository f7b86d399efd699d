import { sign, verify } from 'jsonwebtoken';

import {
  describeTokenFailure,
  EMPTY_TOKEN,
  MISSING_AUTH_HEADER,
  readBearerToken,
} from './token-messages';

const SECRET = 'unit-secret';
const now = () => Math.floor(Date.now() / 1000);

/** The error jsonwebtoken raises for a token under the server's verification options. */
function failureOf(token: string): unknown {
  try {
    verify(token, SECRET, { algorithms: ['HS256'], issuer: 'dev-idp', audience: 'dev-api' });
  } catch (error) {
    return error;
  }
  throw new Error('the token verified');
}

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: 'dev-idp',
  aud: 'dev-api',
  sub: 'u',
  exp: now() + 60,
  ...extra,
});

describe('readBearerToken', () => {
  it('accepts exactly "Bearer <token>"', () => {
    expect(readBearerToken('Bearer abc')).toEqual({ token: 'abc' });
    expect(readBearerToken('Bearer  abc ')).toEqual({ token: 'abc' });
  });

  it.each([undefined, '', 'Basic abc', 'bearer abc', 'Bearer', 'BearerX abc'])(
    'refuses %j',
    (header) => {
      expect(readBearerToken(header)).toEqual({ error: MISSING_AUTH_HEADER });
    },
  );

  it('reports an empty token', () => {
    expect(readBearerToken('Bearer    ')).toEqual({ error: EMPTY_TOKEN });
  });
});

describe('describeTokenFailure (PyJWT wording of the reference)', () => {
  const message = (token: string) => describeTokenFailure(failureOf(token), token);

  it.each([
    ['expired', sign(claims({ exp: now() - 10 }), SECRET), 'Token has expired'],
    [
      'not yet valid',
      sign(claims({ nbf: now() + 600 }), SECRET),
      'Invalid token: The token is not yet valid (nbf)',
    ],
    ['garbage', 'abc', 'Invalid token: Not enough segments'],
    ['bad signature', sign(claims(), 'other'), 'Invalid token: Signature verification failed'],
    [
      'HS512',
      sign(claims(), SECRET, { algorithm: 'HS512' }),
      'Invalid token: The specified alg value is not allowed',
    ],
    [
      'alg none',
      sign(claims(), '', { algorithm: 'none' }),
      'Invalid token: The specified alg value is not allowed',
    ],
    ['wrong audience', sign(claims({ aud: 'x' }), SECRET), "Invalid token: Audience doesn't match"],
    ['wrong issuer', sign(claims({ iss: 'x' }), SECRET), 'Invalid token: Invalid issuer'],
  ])('%s', (_case, token, expected) => {
    expect(message(token)).toBe(expected);
  });

  it('names a missing aud or iss claim', () => {
    const noAud = claims();
    delete (noAud as Record<string, unknown>)['aud'];
    expect(message(sign(noAud, SECRET))).toBe('Invalid token: Token is missing the "aud" claim');
    const noIss = claims();
    delete (noIss as Record<string, unknown>)['iss'];
    expect(message(sign(noIss, SECRET))).toBe('Invalid token: Token is missing the "iss" claim');
  });

  it('names the kid when no key matches it (JWKS)', () => {
    const token = sign(claims(), SECRET, { keyid: 'key-9' });
    const error = Object.assign(new Error('secret or public key must be provided'), {
      name: 'JsonWebTokenError',
    });
    expect(describeTokenFailure(error, token)).toBe(
      'Invalid token: Unable to find a signing key that matches: "key-9"',
    );
  });

  it('passes other library messages through, and wraps foreign errors', () => {
    const error = Object.assign(new Error('jwt id invalid'), { name: 'JsonWebTokenError' });
    expect(describeTokenFailure(error, 'a.b.c')).toBe('Invalid token: jwt id invalid');
    expect(describeTokenFailure(new Error('socket hang up'), 'a.b.c')).toBe(
      'Error decoding token: socket hang up',
    );
    expect(describeTokenFailure('odd', 'a.b.c')).toBe('Error decoding token: odd');
  });
});
