import { existsSync, readFileSync, rmSync } from 'node:fs';

import type { RunRecord } from '@runbooks/types';

import type { ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { ancestorAmong, killGroups, waitForDeath } from '../support/processes';
import { runbookText } from '../support/runbook-text';
import { sharedFile } from '../support/shared-file';
import { STAMPING_ENV, stampingScript, stampsFile, type Stamps } from '../support/stamps';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';
import { RunClient } from './run-client';

const stamping = (name: string, seconds: number, concurrency: string, env = {}): string =>
  runbookText({
    name,
    env: { ...STAMPING_ENV, ...env },
    script: stampingScript(seconds),
    concurrency,
  });

describe('distributed mode: Concurrency limits and locks across 2 APIs and 2 workers', () => {
  let cluster: Cluster;
  let apis: ApiServer[];
  let workers: ApiServer[];
  let client: RunClient;
  let stamps: Stamps;
  let pidsFile: string;

  beforeAll(async () => {
    pidsFile = sharedFile('runbooks-locks-pids-', 'pids.txt');
    cluster = await Cluster.create({
      'Serial.md': stamping('Serial', 0.4, 'limit: 1'),
      'Keyed.md': stamping('Keyed', 2, 'limit: 1\nkey: TARGET_ENV', { TARGET_ENV: 'Where' }),
      'Backup.md': stamping('Backup', 0.4, 'locks: [prod-db]'),
      'Migrate.md': stamping('Migrate', 0.4, 'locks: [prod-db]'),
      'Gate.md': stamping('Gate', 3, 'locks: [gate]\non_limit: reject'),
      'Hold.md': runbookText({
        name: 'Hold',
        env: { ...STAMPING_ENV, NAP: 'Seconds to hold the lock' },
        script: [
          `print -r -- $$ >> ${pidsFile}`,
          'print -r -- "start $LABEL" >> "$STAMPS"',
          'sleep "$NAP"',
          'print -r -- "end $LABEL" >> "$STAMPS"',
        ].join('\n'),
        concurrency: 'locks: [hold]',
      }),
    });
    const env = { LOST_AFTER_SECONDS: '6', MAX_CONCURRENT_RUNS: '4' };
    apis = [await cluster.start('api', env), await cluster.start('api', env)];
    workers = [await cluster.start('worker', env), await cluster.start('worker', env)];
    client = new RunClient(apis[0]?.token() ?? '');
  }, 180_000);

  beforeEach(() => {
    stamps = stampsFile('runbooks-dist-locks-');
  });

  afterAll(async () => {
    if (pidsFile && existsSync(pidsFile))
      killGroups(readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number));
    await cluster?.destroy();
    if (pidsFile) rmSync(pidsFile, { force: true });
  }, 60_000);

  const api = (index: number): ApiServer => apis[index % 2] as ApiServer;
  const submit = (index: number, runbook: string, env: Record<string, string>) =>
    client.submit(api(index), runbook, { STAMPS: stamps.path, ...env });
  const ended = (id: string): Promise<RunRecord> =>
    waitFor(
      async () => {
        const run = await client.record(api(0), id);
        return run.status !== 'queued' && run.status !== 'running' ? run : null;
      },
      { timeoutMs: 90_000, intervalMs: 200, what: `run ${id} to end` },
    );

  it('6 runs of a limit-1 runbook through both APIs all succeed and never overlap', async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, index) => submit(index, 'Serial.md', { LABEL: `s${index}` })),
    );
    const waiting = await waitFor(
      async () => {
        for (const id of ids) {
          const run = await client.record(api(1), id);
          if (run.status === 'queued' && run.waiting_for?.includes('held by run')) return run;
        }
        return null;
      },
      { timeoutMs: 20_000, intervalMs: 20, what: 'a run to wait for the limit' },
    );
    expect(waiting.waiting_for).toMatch(
      /^concurrency limit 1 of Serial\.md, held by run [0-9a-f-]{36}$/,
    );
    expect(waiting.queue_position).toBeGreaterThanOrEqual(1);
    const runs = await Promise.all(ids.map((id) => ended(id)));
    expect(runs.map((run) => run.status)).toEqual(Array(6).fill('success'));
    expect(stamps.lines()).toHaveLength(12);
    // The wait is in the run events too (each change of the line is an update event). The
    // relay publishes after the database write, so wait for the final event, not a count.
    const events = await cluster.eventsOf(
      waiting.id,
      (seen) => seen.at(-1)?.payload.status === 'success',
      30_000,
    );
    expect(events.map((event) => event.payload.waiting_for)).toContain(waiting.waiting_for);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'success', waiting_for: null });
    expect(stamps.maxOverlap()).toBe(1);
  }, 120_000);

  it('lets runs with different key values overlap, never two with the same value', async () => {
    const ids = [
      await submit(0, 'Keyed.md', { LABEL: 'prod-1', TARGET_ENV: 'prod' }),
      await submit(1, 'Keyed.md', { LABEL: 'staging-1', TARGET_ENV: 'staging' }),
      await submit(0, 'Keyed.md', { LABEL: 'prod-2', TARGET_ENV: 'prod' }),
    ];
    const runs = await Promise.all(ids.map((id) => ended(id)));
    expect(runs.map((run) => run.status)).toEqual(['success', 'success', 'success']);
    expect(stamps.maxOverlap((label) => label.startsWith('prod'))).toBe(1);
    expect(stamps.maxOverlap()).toBe(2);
  }, 120_000);

  it('never overlaps two runbooks sharing a lock', async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        submit(index, index % 2 ? 'Backup.md' : 'Migrate.md', { LABEL: `db${index}` }),
      ),
    );
    const runs = await Promise.all(ids.map((id) => ended(id)));
    expect(runs.map((run) => run.status)).toEqual(Array(6).fill('success'));
    expect(stamps.maxOverlap()).toBe(1);
  }, 120_000);

  it('refuses with 409 + skipped on the other API while the lock is held (on_limit: reject)', async () => {
    const holder = await submit(0, 'Gate.md', { LABEL: 'gate-1' });
    await client.statusBecomes(api(0), holder, 'running', 30_000);
    const refused = await call<{ error: string; success: boolean; run_id: string }>(
      api(1),
      '/api/runbooks/Gate.md/execute',
      {
        method: 'POST',
        token: api(1).token(),
        json: { env_vars: { STAMPS: stamps.path, LABEL: 'gate-2' } },
      },
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: `Refused: lock gate, held by run ${holder} (on_limit: reject)`,
      success: false,
    });
    expect(refused.headers.get('x-run-id')).toBe(refused.body.run_id);
    expect((await client.record(api(0), refused.body.run_id)).status).toBe('skipped');
    // Created, placed in its line (waiting for the lock), then refused.
    const events = await cluster.eventsOf(refused.body.run_id, 3, 30_000);
    expect(events.map((event) => event.payload.status)).toEqual(['queued', 'queued', 'skipped']);
    expect(events[1]?.payload.waiting_for).toBe(`lock gate, held by run ${holder}`);
    expect(events[2]?.payload.waiting_for).toBeNull();
    expect((await ended(holder)).status).toBe('success');
  }, 60_000);

  it('cancels a queued run; kill -9 of the worker holding a lock frees it once the run is lost', async () => {
    const holder = await submit(0, 'Hold.md', { LABEL: 'hold-1', NAP: '600' });
    const canceled = await submit(1, 'Hold.md', { LABEL: 'hold-2', NAP: '1' });
    const next = await submit(0, 'Hold.md', { LABEL: 'hold-3', NAP: '1' });
    await client.statusBecomes(api(0), holder, 'running', 30_000);
    await waitFor(async () => (await client.record(api(1), next)).queue_position === 2, {
      timeoutMs: 20_000,
      what: 'the third run to stand second in line',
    });
    const cancel = await call<RunRecord>(api(1), `/api/runs/${canceled}/cancel`, {
      method: 'POST',
      token: api(1).token(),
      json: { reason: 'not needed' },
    });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'canceled', waiting_for: null });
    const waiting = await waitFor(
      async () => {
        const run = await client.record(api(0), next);
        return run.queue_position === 1 ? run : null;
      },
      { timeoutMs: 20_000, what: 'the line to close up' },
    );
    expect(waiting.waiting_for).toBe(`lock hold, held by run ${holder}`);

    const scriptPid = Number(readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean)[0]);
    const owner = ancestorAmong(scriptPid, new Map(workers.map((w) => [w.child.pid, w])));
    expect(owner).toBeDefined();
    await owner?.crash();
    const lost = await client.statusBecomes(api(1), holder, 'lost', 60_000);
    const after = await ended(next);
    expect(after.status).toBe('success');
    expect(Date.parse(after.started_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(lost.finished_at ?? ''),
    );
    expect(stamps.lines()).toEqual(['start hold-1', 'start hold-3', 'end hold-3']);
    await waitForDeath(scriptPid, 30_000, 'the script to die with its worker');
  }, 150_000);
});
