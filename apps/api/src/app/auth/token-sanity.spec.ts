import { sign } from 'jsonwebtoken';

import { CLOCK_SKEW_SECONDS, tokenSanityProblem } from './token-sanity';

const NOW = 1_800_000_000;

function token(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return sign(payload, 'k'.repeat(32), { algorithm: 'HS256', header: { alg: 'HS256', ...header } });
}

describe('tokenSanityProblem', () => {
  it('accepts an ordinary token, and an iat within the clock skew', () => {
    const payload = { iat: NOW + CLOCK_SKEW_SECONDS, exp: NOW + 3600 };
    expect(tokenSanityProblem(token(payload), payload, NOW)).toBeNull();
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ['a crit header', { exp: NOW + 60 }, { crit: ['b64'] }, 'crit'],
    ['an iat in the future', { iat: NOW + 3600, exp: NOW + 7200 }, {}, '(iat)'],
    ['a string iat', { iat: 'soon' }, {}, '(iat)'],
    ['exp 1e300', { exp: 1e300 }, {}, '(exp)'],
    ['a string exp', { exp: 'never' }, {}, '(exp)'],
  ])('refuses %s', (_label, payload, header, fragment) => {
    // The payload is checked as given; the token only carries the header.
    expect(tokenSanityProblem(token({}, header), payload, NOW)).toContain(fragment);
  });
});
