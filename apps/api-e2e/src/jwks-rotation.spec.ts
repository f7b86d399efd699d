import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { sign } from 'jsonwebtoken';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';

/** A signing key pair as the identity provider holds it, and its public JWK. */
function keyPair(kid: string): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: pair.privateKey,
    jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

describe('JWKS refetch budget (L4)', () => {
  let jwks: Server;
  let server: ApiServer;
  let published: Record<string, unknown>[];
  let fetches = 0;
  const first = keyPair('key-1');
  const rotated = keyPair('key-2');
  const attacker = keyPair('unused');

  beforeAll(async () => {
    published = [first.jwk];
    jwks = createServer((request, response) => {
      fetches += 1;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    server = await startApi({
      samples: false,
      env: {
        JWT_ALGORITHM: 'RS256',
        JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        JWT_SECRET: '',
        JWT_ISSUER: 'https://idp.example',
        JWT_AUDIENCE: 'runbooks',
      },
    });
  });
  afterAll(async () => {
    await stopAllServers();
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  const token = (privateKey: KeyObject, kid: string): string =>
    sign(
      {
        iss: 'https://idp.example',
        aud: 'runbooks',
        sub: `user-${kid}`,
        roles: ['sre'],
        exp: Math.floor(Date.now() / 1000) + 600,
      },
      privateKey,
      { algorithm: 'RS256', keyid: kid },
    );
  const status = async (bearer: string): Promise<number> =>
    (await call(server, '/api/runbooks', { token: bearer })).status;

  it('accepts a freshly rotated key while a flood of random kids goes on, and fetches rarely', async () => {
    expect(await status(token(first.privateKey, 'key-1'))).toBe(200);
    const randomKid = (): Promise<number> =>
      status(token(attacker.privateKey, randomBytes(8).toString('hex')));
    // 20 made-up kids: more than any fixed per-minute fetch budget (jwks-rsa's is 10).
    for (let batch = 0; batch < 4; batch += 1) {
      const answers = await Promise.all(Array.from({ length: 5 }, randomKid));
      expect(answers).toEqual([401, 401, 401, 401, 401]);
    }
    let flooding = true;
    let floodRequests = 0;
    const flood = (async () => {
      while (flooding) {
        const answers = await Promise.all(Array.from({ length: 5 }, randomKid));
        floodRequests += answers.length;
        expect(answers.every((answer) => answer === 401)).toBe(true);
      }
    })();
    const fetchesBeforeRotation = fetches;
    const startedAt = Date.now();
    published = [first.jwk, rotated.jwk];
    const rotatedToken = token(rotated.privateKey, 'key-2');
    let accepted = false;
    while (!accepted && Date.now() - startedAt < 20_000) {
      accepted = (await status(rotatedToken)) === 200;
      if (!accepted) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const waitedMs = Date.now() - startedAt;
    flooding = false;
    await flood;
    expect(accepted).toBe(true);
    // At most one fetch per JWKS_REFETCH_INTERVAL_SECONDS (10) however many kids are tried.
    expect(waitedMs).toBeLessThan(12_000);
    expect(floodRequests).toBeGreaterThan(0);
    expect(fetchesBeforeRotation).toBeLessThanOrEqual(2);
    expect(fetches - fetchesBeforeRotation).toBeLessThanOrEqual(2);
    // The first key keeps working throughout.
    expect(await status(token(first.privateKey, 'key-1'))).toBe(200);
  });
});
