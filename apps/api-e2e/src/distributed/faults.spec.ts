import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { freePort, type ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { runbookText } from '../support/runbook-text';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';
import { RunClient } from './run-client';
import { PrivatePostgres, PrivateRedis } from './private-servers';
import { sharedFile } from '../support/shared-file';

describe('distributed mode faults', () => {
  let cluster: Cluster;
  let redis: PrivateRedis;
  let postgres: PrivatePostgres;
  let api: ApiServer;
  let token: string;
  let client: RunClient;
  let marksFile: string;

  beforeAll(async () => {
    marksFile = sharedFile('runbooks-faults-', 'marks.txt');
    redis = new PrivateRedis(await freePort());
    postgres = new PrivatePostgres(await freePort());
    await Promise.all([redis.start(), postgres.init()]);
    cluster = await Cluster.create(
      {
        'Mark.md': runbookText({
          name: 'Mark',
          env: { MARK: 'A value the script appends to a shared file' },
          script: `print -r -- "$MARK" >> ${marksFile}`,
        }),
      },
      { redisUrl: redis.url, pgAdminUrl: postgres.url },
    );
    [api] = await Promise.all([cluster.start('api'), cluster.start('worker')]);
    token = api.token();
    client = new RunClient(token);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    await redis?.destroy();
    await postgres?.destroy();
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
    await client.noneActive(api, 'Mark.md', 80_000);
    const written = readFileSync(marksFile, 'utf8').trim().split('\n');
    expect([...written].sort()).toEqual(accepted.map((a) => a.mark).sort());
  }, 150_000);

  it('PostgreSQL restarted: 503 meanwhile, recovers by itself, runs go on', async () => {
    await postgres.stop();
    try {
      const during = await call<{ error?: unknown }>(api, '/api/runs?limit=1', { token });
      expect(during.status).toBe(503);
      expect(Object.keys(during.body)).toEqual(['error']);
      expect(typeof during.body.error).toBe('string');
      const refused = await execute(`pg-down-${randomUUID()}`);
      expect(refused.status).toBe(503);
      expect(refused.ms).toBeLessThan(5000);
      const ready = await call(api, '/health/ready');
      expect(ready.status).toBe(503);
    } finally {
      await postgres.start();
    }
    await waitFor(async () => (await call(api, '/api/runs?limit=1', { token })).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the API to recover',
    });
    expect((await call(api, '/health/ready')).status).toBe(200);
    // The worker recovered too: a run submitted now is executed and recorded.
    const mark = `pg-up-${randomUUID()}`;
    const after = await execute(mark);
    expect(after.status).toBe(202);
    await waitFor(() => readFileSync(marksFile, 'utf8').includes(mark), {
      timeoutMs: 30_000,
      what: 'the run after the restart to execute',
    });
    await client.noneActive(api, 'Mark.md', 30_000);
  }, 120_000);
});
