import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { DevLoginResponse, ErrorResponse } from '@runbooks/types';
import { sign, type SignOptions } from 'jsonwebtoken';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { waitFor } from './support/wait-for';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'dev-idp',
    aud: 'dev-api',
    sub: 'jwt-user',
    roles: ['sre'],
    exp: now() + 600,
    ...extra,
  };
}

function without(name: string): Record<string, unknown> {
  const all = claims();
  delete all[name];
  return all;
}

async function statusAndError(server: ApiServer, token: string) {
  const response = await call<ErrorResponse>(server, '/api/runbooks', { token });
  return { status: response.status, error: response.body.error };
}

describe('authentication', () => {
  afterAll(stopAllServers);

  describe('HS256 with JWT_SECRET (the default)', () => {
    let server: ApiServer;
    const hs = (payload: Record<string, unknown>, options: SignOptions = {}) =>
      sign(payload, server.secret, { algorithm: 'HS256', ...options });

    beforeAll(async () => {
      server = await startApi({ samples: false });
    });

    it('accepts a valid token, also with aud as a list holding the audience', async () => {
      expect((await statusAndError(server, hs(claims()))).status).toBe(200);
      const listAud = hs(claims({ aud: ['other', 'dev-api'] }));
      expect((await statusAndError(server, listAud)).status).toBe(200);
    });

    it.each([
      ['expired', () => claims({ exp: now() - 60 }), 'Token has expired'],
      ['wrong issuer', () => claims({ iss: 'evil-idp' }), 'Invalid token: Invalid issuer'],
      [
        'wrong audience',
        () => claims({ aud: 'other-api' }),
        "Invalid token: Audience doesn't match",
      ],
      ['no aud', () => without('aud'), 'Invalid token: Token is missing the "aud" claim'],
      ['no iss', () => without('iss'), 'Invalid token: Token is missing the "iss" claim'],
      ['no exp', () => without('exp'), 'Invalid token: Token is missing the "exp" claim'],
      [
        'nbf in the future',
        () => claims({ nbf: now() + 600 }),
        'Invalid token: The token is not yet valid (nbf)',
      ],
    ])('401s a token with %s', async (_case, payload, message) => {
      expect(await statusAndError(server, hs(payload()))).toEqual({ status: 401, error: message });
    });

    it('401s alg none, HS512 with the right secret, RS256, and a wrong signature', async () => {
      const none = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims())}.`;
      const notAllowed = {
        status: 401,
        error: 'Invalid token: The specified alg value is not allowed',
      };
      expect(await statusAndError(server, none)).toEqual(notAllowed);
      expect(await statusAndError(server, hs(claims(), { algorithm: 'HS512' }))).toEqual(
        notAllowed,
      );
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rs = sign(claims(), privateKey, { algorithm: 'RS256' });
      expect(await statusAndError(server, rs)).toEqual(notAllowed);
      const forged = sign(claims(), 'not-the-secret', { algorithm: 'HS256' });
      expect(await statusAndError(server, forged)).toEqual({
        status: 401,
        error: 'Invalid token: Signature verification failed',
      });
    });

    it('refuses a token once it expires, although it was accepted (and cached) before', async () => {
      const exp = now() + 3;
      const token = hs(claims({ exp }));
      expect((await statusAndError(server, token)).status).toBe(200);
      expect((await statusAndError(server, token)).status).toBe(200);
      await waitFor(() => Date.now() > exp * 1000 + 50, { timeoutMs: 10_000, what: 'expiry' });
      expect(await statusAndError(server, token)).toEqual({
        status: 401,
        error: 'Token has expired',
      });
    });

    it('maps sub to user_id and splits comma-separated roles', async () => {
      const token = hs(claims({ sub: 'carol', roles: 'admin, sre' }));
      const response = await call<{ token: { user_id: string; roles: string[] } }>(
        server,
        '/api/config',
        { token },
      );
      expect(response.status).toBe(200);
      expect(response.body.token).toMatchObject({ user_id: 'carol', roles: ['admin', 'sre'] });
    });
  });

  describe('dev-login', () => {
    let server: ApiServer;

    beforeAll(async () => {
      server = await startApi({ samples: true });
    });

    it('mints a bearer token with the reference fields and defaults', async () => {
      const response = await call<DevLoginResponse>(server, '/dev-login', {
        method: 'POST',
        json: {},
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        token_type: 'bearer',
        subject: 'dev-user-1',
        roles: ['developer'],
      });
      expect(response.body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);
      const ttlMs = Date.parse(response.body.expires_at) - Date.now();
      expect(ttlMs).toBeGreaterThan(479 * 60_000);
      expect(ttlMs).toBeLessThanOrEqual(480 * 60_000);
    });

    it('echoes subject and roles; the token works on the API', async () => {
      const response = await call<DevLoginResponse>(server, '/dev-login', {
        method: 'POST',
        json: { subject: 'ops', roles: ['admin', 'devops', 'engineer'] },
      });
      expect(response.body).toMatchObject({
        subject: 'ops',
        roles: ['admin', 'devops', 'engineer'],
      });
      const token = response.body.access_token;
      expect((await call(server, '/api/runbooks', { token })).status).toBe(200);
      expect((await call(server, '/api/config', { token })).status).toBe(200);
    });

    it('works without a body or with a non-JSON body (the reference answered 500)', async () => {
      const empty = await call<DevLoginResponse>(server, '/dev-login', { method: 'POST' });
      expect(empty.status).toBe(200);
      expect(empty.body.subject).toBe('dev-user-1');
      const text = await call<DevLoginResponse>(server, '/dev-login', {
        method: 'POST',
        body: 'subject=x',
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(text.status).toBe(200);
    });

    it('answers GET with 405 JSON and Allow: POST', async () => {
      const response = await call(server, '/dev-login');
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(response.body).toEqual({ error: 'Method not allowed' });
    });
  });

  describe('dev-login disabled', () => {
    it('answers 404 JSON', async () => {
      const server = await startApi({ samples: false, env: { ENABLE_LOGIN: 'false' } });
      const response = await call(server, '/dev-login', { method: 'POST', json: {} });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'Not found' });
      await server.stop();
    });
  });

  describe('RS256 with JWT_PUBLIC_KEY (and exp optional)', () => {
    let server: ApiServer;
    let privateKey: KeyObject;
    let publicPem: string;

    beforeAll(async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      privateKey = pair.privateKey;
      publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      server = await startApi({
        samples: false,
        env: {
          JWT_ALGORITHM: 'RS256',
          JWT_PUBLIC_KEY: publicPem,
          JWT_SECRET: '',
          JWT_REQUIRE_EXP: 'false',
        },
      });
    });

    it('accepts tokens signed with the private key, with or without exp', async () => {
      const rs = (payload: Record<string, unknown>) =>
        sign(payload, privateKey, { algorithm: 'RS256' });
      expect((await statusAndError(server, rs(claims()))).status).toBe(200);
      expect((await statusAndError(server, rs(without('exp')))).status).toBe(200);
      expect(await statusAndError(server, rs(claims({ exp: now() - 5 })))).toEqual({
        status: 401,
        error: 'Token has expired',
      });
    });

    it('refuses another key, and HS256 signed with the public key (algorithm confusion)', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      expect(await statusAndError(server, sign(claims(), other, { algorithm: 'RS256' }))).toEqual({
        status: 401,
        error: 'Invalid token: Signature verification failed',
      });
      const confused = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims())}`;
      const { createHmac } = await import('node:crypto');
      const signature = createHmac('sha256', publicPem).update(confused).digest('base64url');
      expect(await statusAndError(server, `${confused}.${signature}`)).toEqual({
        status: 401,
        error: 'Invalid token: The specified alg value is not allowed',
      });
    });
  });

  describe('ES256 with JWT_PUBLIC_KEY, and a custom ADMIN_REQUIRED_CLAIMS', () => {
    it('accepts ES256 tokens and guards admin routes with the configured claims', async () => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const server = await startApi({
        samples: false,
        env: {
          JWT_ALGORITHM: 'ES256',
          JWT_PUBLIC_KEY: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          JWT_SECRET: '',
          ADMIN_REQUIRED_CLAIMS: 'groups=platform-ops,sre-leads',
          // groups is a list in these tokens: only roles and listed claims are lists.
          RBAC_MULTI_VALUED_CLAIMS: 'groups',
        },
      });
      const es = (payload: Record<string, unknown>) =>
        sign(payload, pair.privateKey, { algorithm: 'ES256' });
      expect((await statusAndError(server, es(claims()))).status).toBe(200);
      const rsKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      expect(await statusAndError(server, sign(claims(), rsKey, { algorithm: 'RS256' }))).toEqual({
        status: 401,
        error: 'Invalid token: The specified alg value is not allowed',
      });
      const admin = es(claims({ roles: ['admin'] }));
      expect((await call(server, '/api/config', { token: admin })).status).toBe(403);
      const ops = es(claims({ groups: ['sre-leads'] }));
      expect((await call(server, '/api/config', { token: ops })).status).toBe(200);
      await server.stop();
    });
  });

  describe('RS256 with JWT_JWKS_URL', () => {
    let server: ApiServer;
    let jwks: Server;
    let privateKey: KeyObject;

    beforeAll(async () => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      privateKey = pair.privateKey;
      const jwk = {
        ...pair.publicKey.export({ format: 'jwk' }),
        kid: 'key-1',
        alg: 'RS256',
        use: 'sig',
      };
      jwks = createServer((request, response) => {
        if (request.url !== '/.well-known/jwks.json') {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      const { port } = jwks.address() as AddressInfo;
      server = await startApi({
        samples: false,
        env: {
          JWT_ALGORITHM: 'RS256',
          JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
          JWT_SECRET: '',
          JWT_ISSUER: 'https://idp.example',
          JWT_AUDIENCE: 'runbooks',
        },
      });
    });
    afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

    const jwksClaims = (extra: Record<string, unknown> = {}) =>
      claims({ iss: 'https://idp.example', aud: 'runbooks', ...extra });

    it('accepts a token whose kid the JWKS lists', async () => {
      const token = sign(jwksClaims(), privateKey, { algorithm: 'RS256', keyid: 'key-1' });
      expect((await statusAndError(server, token)).status).toBe(200);
    });

    it('refuses an unknown kid, a wrong key and the wrong issuer', async () => {
      const unknownKid = sign(jwksClaims(), privateKey, { algorithm: 'RS256', keyid: 'key-9' });
      const refused = await statusAndError(server, unknownKid);
      expect(refused.status).toBe(401);
      expect(refused.error).toBe(
        'Invalid token: Unable to find a signing key that matches: "key-9"',
      );
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const wrongKey = sign(jwksClaims(), other, { algorithm: 'RS256', keyid: 'key-1' });
      expect(await statusAndError(server, wrongKey)).toEqual({
        status: 401,
        error: 'Invalid token: Signature verification failed',
      });
      const wrongIssuer = sign(jwksClaims({ iss: 'dev-idp' }), privateKey, {
        algorithm: 'RS256',
        keyid: 'key-1',
      });
      expect(await statusAndError(server, wrongIssuer)).toEqual({
        status: 401,
        error: 'Invalid token: Invalid issuer',
      });
    });

    it('401s (never 500s) while the JWKS endpoint is unreachable', async () => {
      await new Promise<void>((resolve) => jwks.close(() => resolve()));
      jwks.listen(0, '127.0.0.1');
      const token = sign(jwksClaims(), privateKey, { algorithm: 'RS256', keyid: 'key-2' });
      const refused = await statusAndError(server, token);
      expect(refused.status).toBe(401);
      expect(refused.error).toMatch(/^(Error decoding token|Invalid token): /);
    });
  });
});
