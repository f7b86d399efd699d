import type { Caller } from './caller';
import { VerifiedTokenCache } from './verified-token-cache';

const caller = (exp?: number): Caller => ({
  userId: 'u',
  roles: [],
  claims: exp === undefined ? { sub: 'u' } : { sub: 'u', exp },
  token: 't',
});

describe('VerifiedTokenCache', () => {
  it('remembers a token until its exp, and for a minute at most', () => {
    const cache = new VerifiedTokenCache();
    const now = 1_000_000_000_000;
    cache.remember('short', caller(now / 1000 + 10), now);
    cache.remember('long', caller(now / 1000 + 3600), now);
    cache.remember('no-exp', caller(), now);
    expect(cache.get('short', now + 9_000)?.userId).toBe('u');
    expect(cache.get('short', now + 10_000)).toBeNull();
    expect(cache.get('long', now + 59_000)).not.toBeNull();
    expect(cache.get('long', now + 60_000)).toBeNull();
    expect(cache.get('no-exp', now + 60_001)).toBeNull();
    expect(cache.get('unknown', now)).toBeNull();
  });

  it('does not remember an expired token and keeps at most 1000', () => {
    const cache = new VerifiedTokenCache();
    const now = 1_000_000_000_000;
    cache.remember('old', caller(now / 1000 - 1), now);
    expect(cache.get('old', now)).toBeNull();
    for (let i = 0; i < 1001; i++) cache.remember(`t${i}`, caller(), now);
    expect(cache.get('t0', now)).toBeNull();
    expect(cache.get('t1000', now)).not.toBeNull();
  });
});
