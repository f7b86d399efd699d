import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { decodeRunEventEntry, type RunEvent } from '@runbooks/dispatch';
import Redis from 'ioredis';
import { Client } from 'pg';

import { makeDirs, startApi, type ApiServer, type ServerDirs } from '../support/api-server';
import { waitFor } from '../support/wait-for';

/** The shared PostgreSQL (trust auth on loopback); each test run creates its own database. */
export const PG_ADMIN_URL =
  process.env['RUNBOOKS_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The shared Redis; each test run uses its own key prefix and deletes its keys afterwards. */
export const REDIS_URL = process.env['RUNBOOKS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379/0';

/** A private PostgreSQL database and Redis key prefix, plus the servers started on them. */
export class Cluster {
  readonly servers: ApiServer[] = [];
  readonly dirs: ServerDirs;
  /** One JWT secret for every server, so a token works on all of them. */
  readonly secret = `e2e-${randomBytes(16).toString('hex')}`;

  private constructor(
    readonly databaseUrl: string,
    private readonly database: string,
    readonly keyPrefix: string,
    runbooks: Record<string, string>,
    readonly redisUrl: string,
    private readonly pgAdminUrl: string,
  ) {
    this.dirs = makeDirs(false);
    for (const [name, text] of Object.entries(runbooks))
      writeFileSync(join(this.dirs.runbooks, name), text);
  }

  /** Creates the database (on the shared servers unless told otherwise); nothing starts yet. */
  static async create(
    runbooks: Record<string, string>,
    servers: { redisUrl?: string; pgAdminUrl?: string } = {},
  ): Promise<Cluster> {
    const redisUrl = servers.redisUrl ?? REDIS_URL;
    const pgAdminUrl = servers.pgAdminUrl ?? PG_ADMIN_URL;
    const id = randomBytes(6).toString('hex');
    const database = `runbooks_e2e_${id}`;
    const admin = new Client({ connectionString: pgAdminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    const url = new URL(pgAdminUrl);
    url.pathname = `/${database}`;
    return new Cluster(url.toString(), database, `rbe2e:${id}`, runbooks, redisUrl, pgAdminUrl);
  }

  /** Environment of the distributed mode for one role (shared folders, private keys). */
  env(role: 'api' | 'worker' | 'all', extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_KEY_PREFIX: this.keyPrefix,
      EVENTS_STREAM: `${this.keyPrefix}:runs.events`,
      RUNBOOK_ROLE: role,
      RUNBOOK_HISTORY_MARKDOWN: 'false',
      RECONCILE_INTERVAL_SECONDS: '2',
      ...extra,
    };
  }

  /** Starts a server of the given role on the cluster's folders, database and prefix. */
  async start(
    role: 'api' | 'worker' | 'all',
    extra: Record<string, string> = {},
  ): Promise<ApiServer> {
    const server = await startApi({
      dirs: this.dirs,
      env: { ...this.env(role, extra), JWT_SECRET: this.secret },
    });
    this.servers.push(server);
    return server;
  }

  /** Waits until the run's events on the `runs.events` stream are `enough` (a count or a test); returns them. */
  async eventsOf(
    runId: string,
    enough: number | ((events: RunEvent[]) => boolean),
    timeoutMs: number,
  ): Promise<RunEvent[]> {
    const done =
      typeof enough === 'number' ? (events: RunEvent[]) => events.length >= enough : enough;
    const redis = new Redis(this.redisUrl);
    try {
      return await waitFor(
        async () => {
          const entries = await redis.xrange(`${this.keyPrefix}:runs.events`, '-', '+');
          const mine = entries
            .map(([, fields]) => decodeRunEventEntry(fields))
            .filter((event) => event.payload.id === runId);
          return done(mine) ? mine : null;
        },
        { timeoutMs, intervalMs: 200, what: `the events of run ${runId} on the stream` },
      );
    } finally {
      redis.disconnect();
    }
  }

  /** Stops every server, drops the database, deletes the Redis keys and the folders. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.stop('SIGKILL')));
    const admin = new Client({ connectionString: this.pgAdminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    const redis = new Redis(this.redisUrl);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.keyPrefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    rmSync(this.dirs.root, { recursive: true, force: true });
  }
}
