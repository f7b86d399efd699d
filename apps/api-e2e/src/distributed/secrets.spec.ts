import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';

import type { ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { Cluster } from './cluster';
import { RunClient } from './run-client';

const PASSWORD = 'distributed-db-password-4711';

/** Every key of the cluster's prefix and what it holds, as text (strings, hashes, streams, lists). */
async function redisDump(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    const parts: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') parts.push(key, (await redis.get(key)) ?? '');
        else if (type === 'hash') parts.push(key, JSON.stringify(await redis.hgetall(key)));
        else if (type === 'stream')
          parts.push(key, JSON.stringify(await redis.xrange(key, '-', '+')));
        else if (type === 'list') parts.push(key, JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'zset') parts.push(key, JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === 'set') parts.push(key, JSON.stringify(await redis.smembers(key)));
      }
    } while (cursor !== '0');
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}

/**
 * Distributed mode: the caller's secret values wait for a worker sealed in Redis, `from` secrets
 * are read by the worker that runs the script, and nothing in Redis or PostgreSQL holds a value.
 */
describe('distributed mode: secrets', () => {
  let cluster: Cluster;
  let api: ApiServer;
  let client: RunClient;
  let apiSecrets: string;
  let workerSecrets: string;

  beforeAll(async () => {
    apiSecrets = mkdtempSync(join(tmpdir(), 'runbooks-secrets-api-'));
    workerSecrets = mkdtempSync(join(tmpdir(), 'runbooks-secrets-worker-'));
    // Different values (and lengths) on each side show where the value was read.
    writeFileSync(join(apiSecrets, 'signing-key'), 'api-side-key-value\n');
    writeFileSync(join(workerSecrets, 'signing-key'), 'worker-side-key-value-longer\n');
    cluster = await Cluster.create({
      'Secret.md': [
        '# Secret',
        'Secrets in the distributed mode.',
        '',
        '# Environment Requirements',
        '```yaml',
        'DB_PASSWORD:',
        '  secret: true',
        'SIGNING_KEY:',
        '  from: file:signing-key',
        '```',
        '',
        '# File System Requirements',
        '```yaml',
        'Input: []',
        '```',
        '',
        '# Script',
        '```sh',
        'print -r -- "password=$DB_PASSWORD key-length=${#SIGNING_KEY} key=$SIGNING_KEY"',
        'print -rn -- "$DB_PASSWORD" | base64',
        '```',
        '',
        '# History',
        '',
      ].join('\n'),
    });
    api = await cluster.start('api', { SECRETS_DIR: apiSecrets });
    client = new RunClient(api.token());
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    rmSync(apiSecrets, { recursive: true, force: true });
    rmSync(workerSecrets, { recursive: true, force: true });
  }, 60_000);

  it('seals the request details in Redis and resolves from secrets on the worker', async () => {
    // No worker yet: the run waits in the queue with its details in Redis.
    const id = await client.submit(api, 'Secret.md', { DB_PASSWORD: PASSWORD });
    const redis = new Redis(cluster.redisUrl);
    const details = await redis
      .get(`${cluster.keyPrefix}:run:${id}:request`)
      .finally(() => redis.disconnect());
    const waiting = await redisDump(cluster.redisUrl, cluster.keyPrefix);
    expect(details?.startsWith('v1:')).toBe(true);
    expect(waiting).not.toContain(PASSWORD);
    expect(waiting).not.toContain('api-side-key-value');

    const worker = await cluster.start('worker', { SECRETS_DIR: workerSecrets });
    const record = await client.statusBecomes(api, id, 'success', 60_000);
    expect(record.stdout).toContain('password=*** key-length=28 key=***');
    expect(record.stdout).not.toContain(Buffer.from(PASSWORD).toString('base64').slice(0, 12));
    const events = await call(api, `/api/runs/${id}/events`, { token: api.token() });
    expect(events.text).toContain('password=***');
    for (const text of [events.text, JSON.stringify(record), api.logs, worker.logs]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('worker-side-key-value-longer');
    }
    const after = await redisDump(cluster.redisUrl, cluster.keyPrefix);
    expect(after).not.toContain(PASSWORD);
    expect(after).not.toContain('worker-side-key-value-longer');
    expect(after).not.toContain(`${cluster.keyPrefix}:run:${id}:request`);
  });
});
