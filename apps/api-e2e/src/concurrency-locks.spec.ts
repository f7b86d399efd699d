import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHistoryEntries } from '@runbooks/runbook-format';
import type { ExecuteResult, RunAccepted, RunRecord } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { runbookText } from './support/runbook-text';
import { STAMPING_ENV, stampingScript, stampsFile, type Stamps } from './support/stamps';
import { waitFor } from './support/wait-for';

const stamping = (name: string, seconds: number, concurrency: string, env = {}): string =>
  runbookText({
    name,
    env: { ...STAMPING_ENV, ...env },
    script: stampingScript(seconds),
    concurrency,
  });

const RUNBOOKS = {
  'Serial.md': stamping('Serial', 0.4, 'limit: 1'),
  'Keyed.md': stamping('Keyed', 2, 'limit: 1\nkey: TARGET_ENV', { TARGET_ENV: 'Where' }),
  'Backup.md': stamping('Backup', 0.5, 'locks: [prod-db]'),
  'Migrate.md': stamping('Migrate', 0.5, 'locks: [prod-db, cache]'),
  'Gate.md': stamping('Gate', 3, 'locks: [gate]\non_limit: reject'),
  'Small.md': stamping('Small', 3, 'limit: 1\nmax_queued: 1'),
  'Held.md': stamping('Held', 3, 'locks: [held]'),
  'Parent.md': runbookText({
    name: 'Parent',
    script: [
      'code=$(curl -sS -o child.json -w "%{http_code}" -X POST "$RUNBOOK_URL/Child.md/execute" \\',
      '  -H "$RUNBOOK_H_AUTH" -H "$RUNBOOK_H_CORR" -H "$RUNBOOK_H_RECUR" -H "$RUNBOOK_H_CTYPE" -d "{}")',
      'print -r -- "child=$code"',
      'cat child.json',
    ].join('\n'),
    concurrency: 'locks: [shared-lock]',
  }),
  'Child.md': runbookText({
    name: 'Child',
    script: 'print child ran',
    concurrency: 'locks: [shared-lock]',
  }),
  'BadKey.md': runbookText({
    name: 'BadKey',
    script: 'print no',
    concurrency: 'limit: 1\nkey: NOPE',
  }),
};

describe('Concurrency limits and named locks (embedded mode)', () => {
  let server: ApiServer;
  let token: string;
  let stamps: Stamps;

  beforeAll(async () => {
    server = await startApi({ samples: false, runbooks: RUNBOOKS });
    token = server.token();
  });
  beforeEach(() => {
    stamps = stampsFile('runbooks-locks-');
  });
  afterAll(stopAllServers);

  const startAsync = async (file: string, env: Record<string, string>) => {
    const response = await call<RunAccepted>(server, `/api/runbooks/${file}/execute`, {
      method: 'POST',
      token,
      headers: { Prefer: 'respond-async' },
      json: { env_vars: { STAMPS: stamps.path, ...env } },
    });
    expect(response.status).toBe(202);
    return response.body.run_id;
  };
  const getRun = async (id: string) =>
    (await call<RunRecord>(server, `/api/runs/${id}`, { token })).body;
  const ended = (id: string) =>
    waitFor(
      async () => {
        const run = await getRun(id);
        return run.status !== 'queued' && run.status !== 'running' ? run : null;
      },
      { timeoutMs: 90_000, intervalMs: 100, what: `run ${id} to end` },
    );

  it('runs 6 requests of a limit-1 runbook one at a time, in request order, saying why they wait', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 6; index++)
      ids.push(await startAsync('Serial.md', { LABEL: `s${index}` }));
    // While the first runs, the others say what they wait for and where they stand.
    const waiting = await waitFor(
      async () => {
        const run = await getRun(ids[5] ?? '');
        return run.status === 'queued' && run.waiting_for?.includes('held by run') ? run : null;
      },
      { timeoutMs: 20_000, intervalMs: 20, what: 'the last run to wait for the limit' },
    );
    expect(waiting.waiting_for).toMatch(
      /^concurrency limit 1 of Serial\.md, held by run [0-9a-f-]{36}$/,
    );
    expect(waiting.queue_position).toBeGreaterThanOrEqual(1);
    const listed = await call<{ data: Partial<RunRecord>[] }>(
      server,
      '/api/runs?filter[runbook]=Serial.md&fields[data]=id,status,waiting_for,queue_position',
      { token },
    );
    expect(listed.status).toBe(200);
    expect(Object.keys(listed.body.data[0] ?? {}).sort()).toEqual(
      ['id', 'queue_position', 'status', 'waiting_for'].sort(),
    );
    const runs = await Promise.all(ids.map((id) => ended(id)));
    expect(runs.map((run) => run.status)).toEqual(Array(6).fill('success'));
    for (const run of runs) expect(run).toMatchObject({ waiting_for: null, queue_position: null });
    expect(stamps.maxOverlap()).toBe(1);
    // Request order: the stamps come in the order the runs were asked for.
    expect(stamps.lines().filter((line) => line.startsWith('start'))).toEqual(
      ids.map((_, index) => `start s${index}`),
    );
  });

  it('keeps runs with the same key value apart and lets different values overlap', async () => {
    const ids = [
      await startAsync('Keyed.md', { LABEL: 'prod-1', TARGET_ENV: 'prod' }),
      await startAsync('Keyed.md', { LABEL: 'staging-1', TARGET_ENV: 'staging' }),
      await startAsync('Keyed.md', { LABEL: 'prod-2', TARGET_ENV: 'prod' }),
    ];
    const third = await waitFor(
      async () => {
        const run = await getRun(ids[2] ?? '');
        return run.waiting_for ? run : null;
      },
      { timeoutMs: 20_000, intervalMs: 20, what: 'the second prod run to wait' },
    );
    expect(third.waiting_for).toBe(
      `concurrency limit 1 of Keyed.md for TARGET_ENV=prod, held by run ${ids[0]}`,
    );
    expect(third.queue_position).toBe(1);
    const runs = await Promise.all(ids.map((id) => ended(id)));
    expect(runs.map((run) => run.status)).toEqual(['success', 'success', 'success']);
    expect(stamps.maxOverlap((label) => label.startsWith('prod'))).toBe(1);
    expect(stamps.maxOverlap()).toBe(2);
  });

  it('never overlaps two runbooks that share a lock', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      ids.push(await startAsync('Backup.md', { LABEL: `backup${index}` }));
      ids.push(await startAsync('Migrate.md', { LABEL: `migrate${index}` }));
    }
    const runs = await Promise.all(ids.map((id) => ended(id)));
    expect(runs.map((run) => run.status)).toEqual(Array(6).fill('success'));
    expect(stamps.maxOverlap()).toBe(1);
  });

  it('refuses with 409 and records skipped when the lock is taken and on_limit is reject', async () => {
    const holder = await startAsync('Gate.md', { LABEL: 'gate-holder' });
    await waitFor(async () => (await getRun(holder)).status === 'running', { what: 'the holder' });
    const refused = await call<{ error: string; success: boolean; run_id: string }>(
      server,
      '/api/runbooks/Gate.md/execute',
      { method: 'POST', token, json: { env_vars: { STAMPS: stamps.path, LABEL: 'gate-2' } } },
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      error: `Refused: lock gate, held by run ${holder} (on_limit: reject)`,
      success: false,
      run_id: refused.body.run_id,
    });
    expect(refused.headers.get('x-run-id')).toBe(refused.body.run_id);
    expect(await getRun(refused.body.run_id)).toMatchObject({
      status: 'skipped',
      errors: [refused.body.error],
      started_at: null,
      waiting_for: null,
    });
    expect((await ended(holder)).status).toBe('success');
    // The skipped attempt never ran: one markdown History entry, the holder's.
    const text = readFileSync(join(server.dirs.runbooks, 'Gate.md'), 'utf8');
    expect(parseHistoryEntries(text)).toHaveLength(1);
    // ... while the audit log has it.
    const audit = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8');
    expect(audit).toContain(JSON.stringify(refused.body.error).slice(1, -1));
    expect(stamps.lines()).toEqual(['start gate-holder', 'end gate-holder']);
    const metrics = (await call(server, '/metrics', { token })).text;
    expect(metrics).toMatch(
      /runbook_concurrency_refusals_total\{runbook="Gate.md",reason="reject"\} 1/,
    );
    expect(metrics).toMatch(/runbook_runs_total\{runbook="Gate.md",status="skipped"\} 1/);
  });

  it('refuses a run beyond max_queued waiting runs', async () => {
    const first = await startAsync('Small.md', { LABEL: 'small-1' });
    const second = await startAsync('Small.md', { LABEL: 'small-2' });
    const third = await call<{ error: string; run_id: string }>(
      server,
      '/api/runbooks/Small.md/execute',
      {
        method: 'POST',
        token,
        headers: { Prefer: 'respond-async' },
        json: { env_vars: { STAMPS: stamps.path, LABEL: 'small-3' } },
      },
    );
    expect(third.status).toBe(409);
    expect(third.body.error).toContain('the queue is full');
    expect(third.body.error).toContain('max_queued: 1');
    expect((await getRun(third.body.run_id)).status).toBe('skipped');
    expect((await Promise.all([ended(first), ended(second)])).map((run) => run.status)).toEqual([
      'success',
      'success',
    ]);
  });

  it('cancels a queued run waiting for a lock; the next one still runs', async () => {
    const holder = await startAsync('Held.md', { LABEL: 'held-1' });
    const waiting = await startAsync('Held.md', { LABEL: 'held-2' });
    const after = await startAsync('Held.md', { LABEL: 'held-3' });
    await waitFor(async () => (await getRun(after)).queue_position === 2, { what: 'the line' });
    const canceled = await call<RunRecord>(server, `/api/runs/${waiting}/cancel`, {
      method: 'POST',
      token,
      json: { reason: 'not needed' },
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      waiting_for: null,
      queue_position: null,
    });
    await waitFor(async () => (await getRun(after)).queue_position === 1, {
      what: 'the line to close up',
    });
    expect((await ended(holder)).status).toBe('success');
    expect((await ended(after)).status).toBe('success');
    expect(stamps.lines()).toEqual(['start held-1', 'end held-1', 'start held-3', 'end held-3']);
  });

  it('refuses a sub-runbook that needs a lock its own parent holds instead of deadlocking', async () => {
    const response = await call<ExecuteResult>(server, '/api/runbooks/Parent.md/execute', {
      method: 'POST',
      token,
      json: {},
    });
    expect(response.status).toBe(200);
    expect(response.body.success).toBe(true);
    expect(response.body.stdout).toContain('child=409');
    expect(response.body.stdout).toContain('needs lock shared-lock, held by its own parent run');
  });

  it('refuses an invalid Concurrency section: validate 400 naming the key, execute refused', async () => {
    const validated = await call<{ errors: string[] }>(server, '/api/runbooks/BadKey.md/validate', {
      method: 'PATCH',
      token,
      json: {},
    });
    expect(validated.status).toBe(400);
    expect(JSON.stringify(validated.body)).toContain("key 'NOPE' is not a variable declared");
    const executed = await call<ExecuteResult>(server, '/api/runbooks/BadKey.md/execute', {
      method: 'POST',
      token,
      json: {},
    });
    expect(executed.status).toBe(200);
    expect(executed.body.success).toBe(false);
    expect(executed.body.errors.join('\n')).toContain("key 'NOPE'");
  });
});

describe('a run waiting only for MAX_CONCURRENT_RUNS', () => {
  afterAll(stopAllServers);

  it('says so in waiting_for, with queue_position null', async () => {
    const server = await startApi({
      samples: false,
      env: { MAX_CONCURRENT_RUNS: '1' },
      runbooks: { 'Nap.md': runbookText({ name: 'Nap', script: 'sleep 2' }) },
    });
    const token = server.token();
    const start = async () =>
      (
        await call<RunAccepted>(server, '/api/runbooks/Nap.md/execute', {
          method: 'POST',
          token,
          headers: { Prefer: 'respond-async' },
          json: {},
        })
      ).body.run_id;
    const first = await start();
    const second = await start();
    const waiting = (await call<RunRecord>(server, `/api/runs/${second}`, { token })).body;
    expect(waiting).toMatchObject({
      status: 'queued',
      waiting_for: 'the server-wide limit of 1 concurrent runs (MAX_CONCURRENT_RUNS)',
      queue_position: null,
    });
    const done = await waitFor(
      async () => {
        const run = (await call<RunRecord>(server, `/api/runs/${second}`, { token })).body;
        return run.status === 'success' ? run : null;
      },
      { timeoutMs: 30_000, what: 'the second run to finish' },
    );
    expect(done).toMatchObject({ waiting_for: null, queue_position: null });
    expect((await call<RunRecord>(server, `/api/runs/${first}`, { token })).body.status).toBe(
      'success',
    );
  });
});
