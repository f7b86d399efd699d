import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';

import { freePort, startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';

const REDIS_URL = process.env['E2E_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';
const LIMITED = { error: 'Rate limit exceeded. Please try again later.' };

const limits = (response: { headers: Headers }) => ({
  limit: response.headers.get('x-ratelimit-limit'),
  remaining: response.headers.get('x-ratelimit-remaining'),
});

describe('rate limits', () => {
  afterAll(stopAllServers);

  describe('in memory', () => {
    let server: ApiServer;

    beforeAll(async () => {
      server = await startApi({
        env: {
          RATE_LIMIT_ENABLED: 'true',
          RATE_LIMIT_PER_MINUTE: '4',
          RATE_LIMIT_EXECUTE_PER_MINUTE: '2',
        },
      });
    });

    it('allows RATE_LIMIT_PER_MINUTE requests per route, then answers 429 with headers', async () => {
      const token = server.token();
      for (let i = 1; i <= 4; i++) {
        const response = await call(server, '/api/runbooks', { token });
        expect(response.status).toBe(200);
        expect(limits(response)).toEqual({ limit: '4', remaining: String(4 - i) });
        expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      }
      const refused = await call(server, '/api/runbooks', { token });
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual(LIMITED);
      expect(limits(refused)).toEqual({ limit: '4', remaining: '0' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another route has its own budget.
      expect((await call(server, '/api/runbooks/SimpleRunbook.md', { token })).status).toBe(200);
    });

    it('limits execute (and dev-login) to RATE_LIMIT_EXECUTE_PER_MINUTE', async () => {
      const token = server.token();
      const execute = () =>
        call(server, '/api/runbooks/SimpleRunbook.md/execute', {
          method: 'POST',
          token,
          json: { env_vars: { TEST_VAR: 'rl' } },
        });
      const first = await execute();
      expect(first.status).toBe(200);
      expect(limits(first)).toEqual({ limit: '2', remaining: '1' });
      expect((await execute()).status).toBe(200);
      const refused = await execute();
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual(LIMITED);
      for (let i = 0; i < 2; i++)
        expect((await call(server, '/dev-login', { method: 'POST', json: {} })).status).toBe(200);
      expect((await call(server, '/dev-login', { method: 'POST', json: {} })).status).toBe(429);
    });

    it('counts requests with bad tokens too (limits run before authentication)', async () => {
      for (let i = 0; i < 4; i++)
        expect((await call(server, '/api/runs', { token: 'bad' })).status).toBe(401);
      expect((await call(server, '/api/runs', { token: 'bad' })).status).toBe(429);
      expect((await call(server, '/api/runs', { token: server.token() })).status).toBe(429);
    });

    it('never limits metrics, health and docs, and counts refusals in a metric', async () => {
      for (let i = 0; i < 6; i++) {
        expect((await call(server, '/health/live')).status).toBe(200);
        expect((await call(server, '/docs/openapi.yaml')).status).toBe(200);
      }
      const metrics = await call(server, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/^runbook_rate_limit_hits_total\{route="\/api\/runbooks"\} 1$/m);
      expect(metrics.text).toMatch(
        /^http_requests_total\{method="GET",route="\/api\/runbooks",status="429"\} 1$/m,
      );
    });
  });

  describe('in Redis, shared by two API processes', () => {
    const prefix = `runbooks-e2e:${randomUUID()}:`;
    let redis: Redis;
    let first: ApiServer;
    let second: ApiServer;

    beforeAll(async () => {
      redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      const env = {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_PER_MINUTE: '6',
        RATE_LIMIT_STORAGE_BACKEND: 'redis',
        REDIS_URL,
        RATE_LIMIT_KEY_PREFIX: prefix,
      };
      first = await startApi({ samples: false, env });
      second = await startApi({ samples: false, env: { ...env, JWT_SECRET: first.secret } });
    });
    afterAll(async () => {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('enforces one limit across both processes', async () => {
      const token = first.token();
      const statuses: number[] = [];
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 8; i++) {
        const server = i % 2 === 0 ? first : second;
        const response = await call(server, '/api/runbooks', { token });
        statuses.push(response.status);
        remaining.push(response.headers.get('x-ratelimit-remaining'));
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
      expect(remaining).toEqual(['5', '4', '3', '2', '1', '0', '0', '0']);
      expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    });

    it('reports Redis in readiness', async () => {
      const ready = await call(first, '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ info: { redis: { status: 'up' } } });
    });
  });

  describe('with Redis unreachable', () => {
    it('lets requests through and reports not ready', async () => {
      const server = await startApi({
        samples: false,
        env: {
          RATE_LIMIT_ENABLED: 'true',
          RATE_LIMIT_STORAGE_BACKEND: 'redis',
          REDIS_URL: `redis://127.0.0.1:${await freePort()}/0`,
        },
      });
      expect((await call(server, '/api/runbooks', { token: server.token() })).status).toBe(200);
      const ready = await call(server, '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ error: { redis: { status: 'down' } } });
      await server.stop();
    });
  });
});
