import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { sign } from 'jsonwebtoken';

import { JwksKeySource } from './jwks-key-source';

describe('JwksKeySource', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' };
  let server: Server;
  let url: string;
  let body = '';
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches += 1;
      response.writeHead(body === '' ? 503 : 200, { 'Content-Type': 'application/json' });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    fetches = 0;
    body = JSON.stringify({ keys: [jwk] });
  });

  const tokenWithKid = (kid?: string): string =>
    sign({ sub: 'x' }, pair.privateKey, {
      algorithm: 'ES256',
      ...(kid === undefined ? {} : { keyid: kid }),
    });

  it('shares one fetch among unknown kids within the interval', async () => {
    const source = new JwksKeySource({ url, refetchIntervalMs: 60_000 });
    const keys = await Promise.all(
      ['k1', 'a', 'b', 'c', 'k1'].map((kid) => source.keyForToken(tokenWithKid(kid))),
    );
    expect(keys.map((key) => key !== null)).toEqual([true, false, false, false, true]);
    for (let index = 0; index < 20; index += 1) {
      expect(await source.keyForToken(tokenWithKid(`made-up-${index}`))).toBeNull();
    }
    expect(fetches).toBe(1);
  });

  it('fetches again for an unknown kid once the interval has passed', async () => {
    const source = new JwksKeySource({ url, refetchIntervalMs: 1000 });
    expect(await source.keyForToken(tokenWithKid('k2'))).toBeNull();
    body = JSON.stringify({ keys: [jwk, { ...jwk, kid: 'k2' }] });
    expect(await source.keyForToken(tokenWithKid('k2'))).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await source.keyForToken(tokenWithKid('k2'))).not.toBeNull();
    expect(fetches).toBe(2);
  });

  it('keeps known keys when the endpoint fails, and reports the failure otherwise', async () => {
    const source = new JwksKeySource({ url, refetchIntervalMs: 1, maxAgeMs: 1 });
    expect(await source.keyForToken(tokenWithKid('k1'))).not.toBeNull();
    body = '';
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await source.keyForToken(tokenWithKid('k1'))).not.toBeNull();
    await expect(source.keyForToken(tokenWithKid('other'))).rejects.toThrow(
      'Unable to fetch the signing keys (JWKS): HTTP 503',
    );
  });

  it('uses the only key for a token without kid, and ignores private and encryption keys', async () => {
    body = JSON.stringify({
      keys: [
        jwk,
        { ...jwk, kid: 'enc', use: 'enc' },
        { kty: 'oct', k: 'c2VjcmV0', kid: 'd', d: 'x' },
      ],
    });
    const source = new JwksKeySource({ url, refetchIntervalMs: 60_000 });
    expect(await source.keyForToken(tokenWithKid())).not.toBeNull();
    expect(await source.keyForToken(tokenWithKid('enc'))).toBeNull();
    expect(await source.keyForToken(tokenWithKid('d'))).toBeNull();
    expect(await source.keyForToken('not a token')).toBeNull();
  });
});
