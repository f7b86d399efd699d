import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { RunListResponse } from '@runbooks/types';
import Redis from 'ioredis';
import { Client } from 'pg';

import { freePort, type ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { runbookText } from '../support/runbook-text';
import { waitFor } from '../support/wait-for';
import { Cluster, PG_ADMIN_URL } from './cluster';

/** A private redis-server with AOF on a fixed port, which the test stops and starts again. */
class PrivateRedis {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'runbooks-e2e-redis-'));

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
        try {
          await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the private redis-server' },
    );
  }

  /** Stops it (SIGTERM: Redis writes its AOF and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('distributed mode faults', () => {
  let cluster: Cluster;
  let redis: PrivateRedis;
  let api: ApiServer;
  let token: string;
  let marksFile: string;

  beforeAll(async () => {
    marksFile = join(tmpdir(), `runbooks-faults-${randomUUID().slice(0, 8)}-marks.txt`);
    redis = new PrivateRedis(await freePort());
    await redis.start();
    cluster = await Cluster.create(
      {
        'Mark.md': runbookText({
          name: 'Mark',
          env: { MARK: 'A value the script appends to a shared file' },
          script: `print -r -- "$MARK" >> ${marksFile}`,
        }),
      },
      redis.url,
    );
    [api] = await Promise.all([cluster.start('api'), cluster.start('worker')]);
    token = api.token();
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await redis?.destroy();
    if (marksFile) rmSync(marksFile, { force: true });
  }, 60_000);

  const execute = async (mark: string) => {
    const started = performance.now();
    const response = await call(api, '/api/runbooks/Mark.md/execute', {
      method: 'POST',
      token,
      headers: { Prefer: 'respond-async' },
      json: { env_vars: { MARK: mark } },
    });
    return { mark, status: response.status, ms: performance.now() - started };
  };

  it('Redis restarted during a burst: fast 503s meanwhile, nothing accepted lost or run twice', async () => {
    const answers: { mark: string; status: number; ms: number }[] = [];
    let outage: Promise<void> | null = null;
    for (let i = 0; i < 60; i++) {
      if (i === 20) {
        outage = (async () => {
          await redis.stop();
          await new Promise((resolve) => setTimeout(resolve, 3000));
          await redis.start();
        })();
      }
      answers.push(await execute(`r${i}-${randomUUID()}`));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await outage;
    const refused = answers.filter((a) => a.status === 503);
    const accepted = answers.filter((a) => a.status === 202);
    expect(refused.length + accepted.length).toBe(60);
    expect(refused.length).toBeGreaterThan(0);
    // Fast: a refused submission does not wait for Redis to come back.
    for (const answer of refused) expect(answer.ms).toBeLessThan(3000);
    await waitFor(
      async () => {
        const page = await call<RunListResponse>(
          api,
          '/api/runs?filter[runbook]=Mark.md&filter[status]=queued,running&limit=1',
          { token },
        );
        return page.status === 200 && page.body.data.length === 0;
      },
      { timeoutMs: 80_000, intervalMs: 500, what: 'the accepted runs to finish' },
    );
    const written = readFileSync(marksFile, 'utf8').trim().split('\n');
    expect([...written].sort()).toEqual(accepted.map((a) => a.mark).sort());
  }, 150_000);

  it('PostgreSQL unavailable: 503 meanwhile, recovers by itself', async () => {
    const database = new URL(cluster.databaseUrl).pathname.slice(1);
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
        [database],
      );
      const during = await call<{ error?: unknown }>(api, '/api/runs?limit=1', { token });
      expect(during.status).toBe(503);
      expect(Object.keys(during.body)).toEqual(['error']);
      expect(typeof during.body.error).toBe('string');
      const ready = await call(api, '/health/ready');
      expect(ready.status).toBe(503);
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitFor(async () => (await call(api, '/api/runs?limit=1', { token })).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the API to recover',
    });
    const after = await execute(`pg-${randomUUID()}`);
    expect(after.status).toBe(202);
  }, 90_000);
});
