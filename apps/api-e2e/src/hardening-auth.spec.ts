import { sign } from 'jsonwebtoken';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { rawRequest } from './support/raw-request';
import { waitFor } from './support/wait-for';

/** Starts a server expected to refuse its configuration; resolves with its exit code and output. */
async function refusedStart(
  env: Record<string, string>,
): Promise<{ code: number | null; logs: string }> {
  const server = await startApi({ env, waitLive: false });
  const code = await server.waitForExit();
  const logs = server.logs;
  await server.stop();
  return { code, logs };
}

describe('hardening: start-up guards, tokens, requests', () => {
  afterAll(stopAllServers);

  describe('M8 and L3: production refuses unsafe settings', () => {
    it('ENABLE_LOGIN=true with NODE_ENV=production does not start (exit 2, one message)', async () => {
      const { code, logs } = await refusedStart({ NODE_ENV: 'production', ENABLE_LOGIN: 'true' });
      expect(code).toBe(2);
      expect(logs).toContain('ENABLE_LOGIN=true is refused with NODE_ENV=production');
      expect(logs.match(/ALLOW_DEV_LOGIN_IN_PRODUCTION/g)).toHaveLength(1);
    });

    it('starts with ALLOW_DEV_LOGIN_IN_PRODUCTION=true, and warns', async () => {
      const server = await startApi({
        env: {
          NODE_ENV: 'production',
          ENABLE_LOGIN: 'true',
          ALLOW_DEV_LOGIN_IN_PRODUCTION: 'true',
        },
      });
      await waitFor(() => server.logs.includes('ENABLE_LOGIN=true in production'), {
        what: 'the dev-login warning',
      });
      await server.stop();
    });

    it('a JWT_SECRET shorter than 32 bytes does not start in production', async () => {
      const { code, logs } = await refusedStart({
        NODE_ENV: 'production',
        ENABLE_LOGIN: 'false',
        JWT_SECRET: 'x',
      });
      expect(code).toBe(2);
      expect(logs).toContain(
        'JWT_SECRET must be at least 32 bytes with NODE_ENV=production (got 1)',
      );
    });
  });

  describe('with a running server', () => {
    let server: ApiServer;

    beforeAll(async () => {
      server = await startApi({
        env: {
          RATE_LIMIT_ENABLED: 'true',
          RATE_LIMIT_PER_MINUTE: '1000',
          RATE_LIMIT_EXECUTE_PER_MINUTE: '1000',
        },
      });
    });

    it('M8: /dev-login refuses roles that are not a list of strings', async () => {
      for (const roles of ['admin', [1], [['admin']], { admin: true }]) {
        const refused = await call(server, '/dev-login', { method: 'POST', json: { roles } });
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual({ error: 'roles must be a list of strings' });
      }
      const ok = await call(server, '/dev-login', { method: 'POST', json: { roles: ['sre'] } });
      expect(ok.status).toBe(200);
    });

    it('L10: tokens issued in the future, with crit, or with an absurd exp are refused', async () => {
      const now = Math.floor(Date.now() / 1000);
      const base = { iss: 'dev-idp', aud: 'dev-api', sub: 'u', roles: ['sre'] };
      const tokens = [
        sign({ ...base, iat: now + 3600, exp: now + 7200 }, server.secret, { algorithm: 'HS256' }),
        sign({ ...base, iat: now, exp: now + 600 }, server.secret, {
          algorithm: 'HS256',
          header: { alg: 'HS256', crit: ['exp'] },
        }),
        sign({ ...base, iat: now, exp: 1e300 }, server.secret, { algorithm: 'HS256' }),
      ];
      for (const token of tokens) {
        const refused = await call(server, '/api/runbooks', { token });
        expect(refused.status).toBe(401);
        expect(String((refused.body as { error?: string }).error)).toMatch(/^Invalid token: /);
      }
      const skewed = sign({ ...base, iat: now + 20, exp: now + 600 }, server.secret, {
        algorithm: 'HS256',
      });
      expect((await call(server, '/api/runbooks', { token: skewed })).status).toBe(200);
    });

    it('L5: names no environment can hold get the refusal text, never a 500', async () => {
      for (const name of ['', 'A=B', 'A\nB', 'A\u0000']) {
        for (const action of ['execute', 'validate']) {
          const response = await call(server, `/api/runbooks/SimpleRunbook.md/${action}`, {
            method: action === 'execute' ? 'POST' : 'PATCH',
            token: server.token(),
            json: { env_vars: { TEST_VAR: 'x', [name]: 'v' } },
          });
          expect(response.status).toBe(400);
          expect(String((response.body as { error?: string }).error)).toMatch(
            /^ERROR: Invalid environment variable name: /,
          );
        }
      }
    });

    it('L6: control characters of a token subject never start a log line', async () => {
      const token = server.token({ sub: 'evil\n[Nest] 1 - FORGED LOG LINE', roles: ['viewer'] });
      server.writeRunbook(
        'AdminOnly.md',
        '# AdminOnly\n\n# Required Claims\n```yaml\nroles: admin\n```\n',
      );
      const refused = await call(server, '/api/runbooks/AdminOnly.md/validate', {
        method: 'PATCH',
        token,
        json: {},
      });
      expect(refused.status).toBe(403);
      await waitFor(() => server.logs.includes('evil\\u000a[Nest] 1 - FORGED LOG LINE'), {
        what: 'the escaped subject in the log',
      });
      expect(server.logs).not.toMatch(/^\[Nest\] 1 - FORGED LOG LINE/m);
    });

    it('L12: a 431 has a JSON body', async () => {
      const response = await rawRequest(server.url, 'GET', '/api/runbooks', {
        'X-Big': 'x'.repeat(40_000),
      });
      expect(response.status).toBe(431);
      expect(JSON.parse(response.text)).toEqual({ error: 'Request headers are too large' });
    });
  });

  describe('L2: TRUST_PROXY trusts hops, not the left-most X-Forwarded-For', () => {
    it('a client cannot dodge the rate limit by writing its own X-Forwarded-For', async () => {
      const server = await startApi({
        env: { TRUST_PROXY: 'true', RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '2' },
      });
      const statuses: number[] = [];
      for (let i = 1; i <= 3; i++) {
        const response = await call(server, '/api/info', {
          headers: { 'X-Forwarded-For': `10.0.0.${i}, 203.0.113.9` },
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      await server.stop();
    });
  });

  describe('L12: every 429 carries Retry-After', () => {
    it('on the execute limit and the global one', async () => {
      const server = await startApi({
        env: {
          RATE_LIMIT_ENABLED: 'true',
          RATE_LIMIT_PER_MINUTE: '2',
          RATE_LIMIT_EXECUTE_PER_MINUTE: '1',
        },
      });
      const token = server.token();
      const execute = () =>
        call(server, '/api/runbooks/SimpleRunbook.md/execute', {
          method: 'POST',
          token,
          json: { env_vars: { TEST_VAR: 'x' } },
        });
      expect((await execute()).status).toBe(200);
      const limited = await execute();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const login = await call(server, '/dev-login', { method: 'POST', json: {} });
      expect(login.status).toBe(200);
      const loginLimited = await call(server, '/dev-login', { method: 'POST', json: {} });
      expect(loginLimited.status).toBe(429);
      expect(Number(loginLimited.headers.get('retry-after'))).toBeGreaterThan(0);
      for (let i = 0; i < 2; i++) await call(server, '/api/info');
      const global = await call(server, '/api/info');
      expect(global.status).toBe(429);
      expect(Number(global.headers.get('retry-after'))).toBeGreaterThan(0);
      await server.stop();
    });
  });
});
