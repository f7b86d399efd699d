import { Client } from 'pg';
import Redis from 'ioredis';

import type { RunStore } from '@runbooks/history';

import { RUN_STORE } from '../history/run-store.provider';
import { RunsTestApp, eventually, runbookText } from '../../testing/runs-test-app';
import { RunReconciler } from './run-reconciler.service';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379/0';
const id = `${process.pid}_${Date.now().toString(36)}`;
const database = `api_unit_reconciler_${id}`;
const prefix = `api-unit-reconciler:${id}`;

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The reconciler leader of an API-only process (distributed: PostgreSQL and Redis). */
describe('RunReconciler (distributed, real PostgreSQL and Redis)', () => {
  let app: RunsTestApp;
  let store: RunStore;

  beforeAll(async () => {
    await admin((client) => client.query(`create database "${database}"`));
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    app = await RunsTestApp.start(
      { 'Echo.md': runbookText('Echo', 'echo hello') },
      {
        DATABASE_URL: url.toString(),
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        EVENTS_STREAM: `${prefix}:runs.events`,
        RUNBOOK_ROLE: 'api',
        RUNBOOK_HISTORY_MARKDOWN: 'false',
        RECONCILE_INTERVAL_SECONDS: '1',
        LOST_AFTER_SECONDS: '5',
      },
    );
    store = app.get<RunStore>(RUN_STORE);
  });
  afterAll(async () => {
    await app?.stop();
    await admin((client) => client.query(`drop database if exists "${database}" with (force)`));
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it('leads, and marks a run whose worker stopped heart-beating lost, once', async () => {
    const reconciler = app.get(RunReconciler);
    await eventually(() => Promise.resolve(reconciler.isLeader), 'the leadership');
    const created = await store.create({ runbook: 'Echo.md', requestedBy: 'alice' });
    const claimed = await store.claim(created.id, { workerId: 'vanished-worker' });
    expect(claimed?.status).toBe('running');
    const fresh = await store.create({ runbook: 'Echo.md', requestedBy: 'alice' });
    await store.claim(fresh.id, { workerId: 'busy-worker' });
    const heartbeat = setInterval(() => void store.heartbeat(fresh.id, 1), 500);
    try {
      const lost = await eventually(
        async () => {
          const run = await store.get(created.id);
          return run?.status === 'lost' ? run : null;
        },
        'the silent run to be marked lost',
        30_000,
      );
      expect(lost.errors.join('\n')).toMatch(
        /The worker running attempt 1 stopped \(no heartbeat for 5 s\)/,
      );
      // A run whose worker keeps heart-beating is left alone.
      expect((await store.get(fresh.id))?.status).toBe('running');
      await reconciler.tick();
      expect((await store.get(created.id))?.errors).toHaveLength(lost.errors.length);
    } finally {
      clearInterval(heartbeat);
    }
  });
});
