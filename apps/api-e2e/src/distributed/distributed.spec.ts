import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';

import type { RunListResponse, RunRecord } from '@runbooks/types';

import type { ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { runbookText } from '../support/runbook-text';
import { ancestorAmong, waitForGroupDeath } from '../support/processes';
import { LiveStream } from '../support/sse';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';
import { RunClient } from './run-client';
import { sharedFile } from '../support/shared-file';

/** 2 API instances (role api) and 2 workers on one PostgreSQL database and one Redis prefix. */
/** The pids Hang scripts appended so far (the file starts empty). */
function pidsIn(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('distributed mode (PostgreSQL + Redis, 2 API + 2 workers)', () => {
  let cluster: Cluster;
  let api1: ApiServer;
  let api2: ApiServer;
  let workers: ApiServer[];
  let token: string;
  let client: RunClient;
  let marksFile: string;
  let pidsFile: string;

  beforeAll(async () => {
    // Runs append to these under their own uids.
    marksFile = sharedFile('runbooks-dist-', 'marks.txt');
    pidsFile = sharedFile('runbooks-dist-', 'pids.txt');
    cluster = await Cluster.create({
      'Mark.md': runbookText({
        name: 'Mark',
        env: { MARK: 'A value the script appends to a shared file' },
        script: `print -r -- "$MARK" >> ${marksFile}`,
      }),
      'Slow.md': runbookText({
        name: 'Slow',
        script: 'for i in {1..30}; do print -r -- "line $i"; sleep 0.2; done',
      }),
      'Hang.md': runbookText({
        name: 'Hang',
        script: `print -r -- $$ >> ${pidsFile}\nsleep 600`,
      }),
    });
    [api1, api2, ...workers] = await Promise.all([
      cluster.start('api'),
      cluster.start('api'),
      cluster.start('worker', { MAX_CONCURRENT_RUNS: '4' }),
      cluster.start('worker', { MAX_CONCURRENT_RUNS: '4' }),
    ]);
    token = api1.token();
    client = new RunClient(token);
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
    for (const file of [marksFile, pidsFile]) if (file) rmSync(file, { force: true });
  }, 60_000);

  const submit = (server: ApiServer, runbook: string, envVars: Record<string, string> = {}) =>
    client.submit(server, runbook, envVars);
  const record = (server: ApiServer, id: string) => client.record(server, id);

  it('200 runs submitted round-robin to both APIs: 200 records, each executed exactly once', async () => {
    const marks = Array.from({ length: 200 }, (_, i) => `m${i}-${randomUUID()}`);
    const ids: string[] = [];
    for (let start = 0; start < marks.length; start += 20) {
      const batch = marks.slice(start, start + 20);
      ids.push(
        ...(await Promise.all(
          batch.map((mark, i) =>
            submit((start + i) % 2 === 0 ? api1 : api2, 'Mark.md', { MARK: mark }),
          ),
        )),
      );
    }
    expect(new Set(ids).size).toBe(200);
    await client.noneActive(api2, 'Mark.md', 80_000);
    const all = await call<RunListResponse>(api1, '/api/runs?filter[runbook]=Mark.md&limit=500', {
      token,
    });
    expect(all.body.data).toHaveLength(200);
    expect(all.body.data.map((run) => run.status)).toEqual(Array(200).fill('success'));
    const written = readFileSync(marksFile, 'utf8').trim().split('\n');
    expect(written).toHaveLength(200);
    expect([...written].sort()).toEqual([...marks].sort());
  }, 90_000);

  it('an SSE client on API #1 sees every line; API #2 resumes after Last-Event-ID', async () => {
    const id = await submit(api1, 'Slow.md');
    const first = await LiveStream.open(`${api1.url}/api/runs/${id}/events`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
    });
    expect(first.response.status).toBe(200);
    await waitFor(() => first.parsed.events.filter((e) => e.event === 'stdout').length >= 5, {
      timeoutMs: 30_000,
      what: 'five lines on API #1',
    });
    await first.abort();
    const seen = first.parsed.events.filter((e) => e.event === 'stdout');
    const lastId = seen.at(-1)?.id ?? '0';
    const second = await LiveStream.open(`${api2.url}/api/runs/${id}/events`, {
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'text/event-stream',
        'Last-Event-ID': lastId,
      },
    });
    const rest = await second.untilEnd();
    const lines = [...seen, ...rest.events.filter((e) => e.event === 'stdout')].map((e) =>
      e.data.replace(/\n$/, ''),
    );
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
    const ids = [...seen, ...rest.events.filter((e) => e.event === 'stdout')].map((e) =>
      Number(e.id),
    );
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(rest.events.at(-1)?.event).toBe('done');
    expect((await record(api2, id)).status).toBe('success');
  }, 60_000);

  it('the reconciler leader relays every state change to the runs.events stream, in order', async () => {
    const id = await submit(api2, 'Mark.md', { MARK: `events-${randomUUID()}` });
    const events = await cluster.eventsOf(id, 3, 20_000);
    expect(events.map((e) => [e.event_type, e.seq, e.payload.status])).toEqual([
      ['create', 1, 'queued'],
      ['update', 2, 'running'],
      ['update', 3, 'success'],
    ]);
  }, 60_000);

  it('a cancel sent to API #2 stops a run executing on a worker', async () => {
    const id = await submit(api1, 'Hang.md');
    await waitFor(async () => (await record(api1, id)).status === 'running', {
      timeoutMs: 20_000,
      what: 'the run to start',
    });
    const canceled = await call<RunRecord>(api2, `/api/runs/${id}/cancel`, {
      method: 'POST',
      token,
      json: { reason: 'e2e' },
    });
    expect(canceled.status).toBe(200);
    await waitFor(async () => (await record(api2, id)).status === 'canceled', {
      timeoutMs: 20_000,
      what: 'the run to be canceled',
    });
  }, 60_000);

  it('kill -9 of a worker in the middle of a run: lost within 45 s, its script is gone', async () => {
    const before = pidsIn(pidsFile);
    const id = await submit(api2, 'Hang.md');
    const scriptPid = await waitFor(
      () => {
        const pids = pidsIn(pidsFile);
        return pids.length > before.length ? Number(pids.at(-1)) : null;
      },
      { timeoutMs: 20_000, what: 'the script to start' },
    );
    // The worker that runs it is an ancestor of the script.
    const owner = ancestorAmong(
      scriptPid,
      new Map(workers.map((worker) => [worker.child.pid, worker])),
    );
    expect(owner).toBeDefined();
    const killedAt = Date.now();
    await owner?.crash();
    await waitFor(async () => (await record(api1, id)).status === 'lost', {
      timeoutMs: 45_000,
      intervalMs: 500,
      what: 'the run to become lost',
    });
    expect(Date.now() - killedAt).toBeLessThan(45_000);
    await waitForGroupDeath(scriptPid, 5_000, 'the script and its children to die');
    const after = pidsIn(pidsFile);
    expect(after).toHaveLength(before.length + 1);
  }, 80_000);
});
