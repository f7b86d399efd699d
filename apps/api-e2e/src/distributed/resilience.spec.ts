import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';

import type { RunRecord } from '@runbooks/types';

import type { ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { ancestorAmong, isAlive, killGroups, waitForDeath } from '../support/processes';
import { runbookText } from '../support/runbook-text';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';
import { RunClient } from './run-client';
import { sharedFile } from '../support/shared-file';

/** Lines of a file that a script appends to (empty when it does not exist yet). */
function linesOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

/** The pid a Hang script wrote, once a new one appears after `before` lines. */
function nextScriptPid(pidsFile: string, before: number): Promise<number> {
  return waitFor(
    () => {
      const pids = linesOf(pidsFile);
      return pids.length > before ? Number(pids.at(-1)) : null;
    },
    { timeoutMs: 20_000, what: 'the script to start' },
  );
}

describe('distributed mode: deadlines of runs whose worker vanished or froze', () => {
  let cluster: Cluster;
  let api: ApiServer;
  let client: RunClient;
  let pidsFile: string;

  beforeAll(async () => {
    pidsFile = sharedFile('runbooks-deadline-', 'pids.txt');
    cluster = await Cluster.create({
      'Hang.md': runbookText({ name: 'Hang', script: `print -r -- $$ >> ${pidsFile}\nsleep 600` }),
    });
    api = await cluster.start('api', deadlineEnv());
    client = new RunClient(api.token());
  }, 120_000);

  afterAll(async () => {
    killGroups(linesOf(pidsFile).map(Number));
    await cluster?.destroy();
    if (pidsFile) rmSync(pidsFile, { force: true });
  }, 60_000);

  /** A 3 s script timeout, and `lost` detection far away: only the deadline can settle a run. */
  function deadlineEnv(): Record<string, string> {
    return {
      SCRIPT_TIMEOUT_SECONDS: '3',
      KILL_GRACE_SECONDS: '1',
      LOST_AFTER_SECONDS: '300',
      RECONCILE_INTERVAL_SECONDS: '1',
    };
  }

  it('kill -9 of the worker: the run still ends `timeout` at its deadline', async () => {
    const worker = await cluster.start('worker', deadlineEnv());
    const before = linesOf(pidsFile).length;
    const id = await client.submit(api, 'Hang.md');
    const scriptPid = await nextScriptPid(pidsFile, before);
    expect(ancestorAmong(scriptPid, new Map([[worker.child.pid, worker]]))).toBe(worker);
    await worker.crash();
    // Deadline: 3 s timeout + 1 s kill grace + 5 s slack + one reconcile interval.
    const settled = await client.statusBecomes(api, id, 'timeout', 30_000);
    expect(settled.errors).toContain('The run passed its deadline and was stopped');
    expect(settled.return_code).toBe(-9);
    await waitForDeath(scriptPid, 30_000, 'the script to die with its worker');
  }, 90_000);

  it('a frozen worker: `timeout` while frozen; thawed, it stops the script and keeps the record', async () => {
    const worker = await cluster.start('worker', deadlineEnv());
    const before = linesOf(pidsFile).length;
    const id = await client.submit(api, 'Hang.md');
    const scriptPid = await nextScriptPid(pidsFile, before);
    worker.child.kill('SIGSTOP');
    let settled: RunRecord;
    try {
      settled = await client.statusBecomes(api, id, 'timeout', 30_000);
      // Frozen, the worker could not stop its script: only the record says `timeout` so far.
      expect(isAlive(scriptPid)).toBe(true);
    } finally {
      worker.child.kill('SIGCONT');
    }
    await waitForDeath(scriptPid, 20_000, 'the thawed worker to stop the script');
    await waitFor(() => worker.logs.includes(`Run ${id} was settled elsewhere (timeout)`), {
      timeoutMs: 10_000,
      what: 'the worker to drop its own outcome',
    });
    const after = await client.record(api, id);
    expect(after.status).toBe('timeout');
    expect(after.finished_at).toBe(settled.finished_at);
    expect(after.errors).toEqual(settled.errors);
  }, 90_000);
});

describe('distributed mode: nested runs, worker shutdown and loss, reconciler failover', () => {
  /** Quick loss detection (heartbeats follow: every 2 s) for the retry test. */
  const common = { LOST_AFTER_SECONDS: '6' };
  let cluster: Cluster;
  let api1: ApiServer;
  let api2: ApiServer;
  let worker: ApiServer;
  let client: RunClient;
  let marksFile: string;
  let pidsFile: string;

  beforeAll(async () => {
    marksFile = sharedFile('runbooks-nested-', 'marks.txt');
    pidsFile = sharedFile('runbooks-nested-', 'pids.txt');
    cluster = await Cluster.create({
      'Parent.md': runbookText({
        name: 'Parent',
        script: [
          'answer=$(curl -sS -X POST "$RUNBOOK_URL/Child.md/execute" \\',
          '  -H "$RUNBOOK_H_AUTH" -H "$RUNBOOK_H_CORR" -H "$RUNBOOK_H_RECUR" -H "$RUNBOOK_H_CTYPE" \\',
          "  -H 'Accept: application/json' -d '{\"env_vars\":{}}')",
          '[[ $answer == *\'"success":true\'* ]] || { print -u2 -r -- "child failed: $answer"; exit 3 }',
          'print -r -- "child answered"',
        ].join('\n'),
      }),
      'Child.md': runbookText({ name: 'Child', script: 'sleep 1; print -r -- "child ran"' }),
      'Slow.md': runbookText({
        name: 'Slow',
        script: 'for i in {1..15}; do print -r -- "line $i"; sleep 0.2; done',
      }),
      'Mark.md': runbookText({
        name: 'Mark',
        env: { MARK: 'A value the script appends to a shared file' },
        script: `print -r -- "$MARK" >> ${marksFile}`,
      }),
      'Idempotent.md': runbookText({
        name: 'Idempotent',
        maxAttempts: 2,
        script: `print -r -- $$ >> ${pidsFile}\nsleep 3\nprint -r -- finished`,
      }),
    });
    // One top-level slot: a parent holds it while its child needs the nested queue.
    const workerEnv = { ...common, MAX_CONCURRENT_RUNS: '1', SHUTDOWN_GRACE_SECONDS: '30' };
    [api1, api2, worker] = await Promise.all([
      cluster.start('api', common),
      cluster.start('api', common),
      cluster.start('worker', workerEnv),
    ]);
    client = new RunClient(api1.token());
  }, 120_000);

  afterAll(async () => {
    killGroups(linesOf(pidsFile).map(Number));
    await cluster?.destroy();
    for (const file of [marksFile, pidsFile]) if (file) rmSync(file, { force: true });
  }, 60_000);

  it('parents on a one-slot worker call their children through the API: no deadlock', async () => {
    const parents = await Promise.all([
      client.submit(api1, 'Parent.md'),
      client.submit(api2, 'Parent.md'),
    ]);
    for (const id of parents) {
      const done = await client.statusBecomes(api1, id, 'success', 60_000);
      expect(done.stdout).toContain('child answered');
    }
    const children = await call<{ data: RunRecord[] }>(
      api1,
      '/api/runs?filter[runbook]=Child.md&limit=10',
      { token: api1.token() },
    );
    expect(children.body.data.map((run) => run.status)).toEqual(['success', 'success']);
    for (const child of children.body.data)
      expect(child.recursion_stack).toEqual(['Parent.md', 'Child.md']);
    const parentCorrelations = await Promise.all(
      parents.map(async (id) => (await client.record(api1, id)).correlation_id),
    );
    expect(children.body.data.map((run) => run.correlation_id).sort()).toEqual(
      [...parentCorrelations].sort(),
    );
  }, 120_000);

  it('SIGTERM of a worker mid-run: the run finishes, no new run is taken, the worker exits 0', async () => {
    const slow = await client.submit(api1, 'Slow.md');
    await client.statusBecomes(api1, slow, 'running', 20_000);
    const stopped = worker.stop('SIGTERM');
    await waitFor(() => worker.logs.includes('Shutting down'), {
      timeoutMs: 10_000,
      what: 'the worker to begin its shutdown',
    });
    const mark = `drain-${randomUUID()}`;
    const queuedMeanwhile = await client.submit(api2, 'Mark.md', { MARK: mark });
    const finished = await client.statusBecomes(api1, slow, 'success', 30_000);
    expect(finished.stdout.trim().split('\n')).toEqual(
      Array.from({ length: 15 }, (_, i) => `line ${i + 1}`),
    );
    expect(await stopped).toBe(0);
    // The draining worker did not take the run submitted meanwhile: it waits for a worker.
    expect((await client.record(api1, queuedMeanwhile)).status).toBe('queued');
    expect(linesOf(marksFile)).not.toContain(mark);
    worker = await cluster.start('worker', { ...common, MAX_CONCURRENT_RUNS: '1' });
    await client.statusBecomes(api1, queuedMeanwhile, 'success', 30_000);
    expect(linesOf(marksFile).filter((line) => line === mark)).toHaveLength(1);
  }, 120_000);

  it('kill -9 of a worker mid-run of a runbook with a Retry Policy: another worker runs it again', async () => {
    const spare = await cluster.start('worker', common);
    const id = await client.submit(api2, 'Idempotent.md');
    const firstPid = await nextScriptPid(pidsFile, 0);
    const owner = ancestorAmong(
      firstPid,
      new Map([worker, spare].map((server) => [server.child.pid, server])),
    );
    expect(owner).toBeDefined();
    await owner?.crash();
    worker = owner === worker ? spare : worker;
    const secondPid = await nextScriptPid(pidsFile, 1);
    expect(ancestorAmong(secondPid, new Map([[worker.child.pid, worker]]))).toBe(worker);
    const done = await client.statusBecomes(api1, id, 'success', 60_000);
    expect(done.attempt).toBe(2);
    expect(done.stdout.trim()).toBe('finished');
    expect(done.errors).toEqual([
      'The worker running attempt 1 stopped (no heartbeat for 6 s); queued again for attempt 2 of 2',
    ]);
    expect(isAlive(firstPid)).toBe(false);
    expect(linesOf(pidsFile)).toHaveLength(2);
    // Counted by the reconciler leader, whichever process that is.
    const metrics = await Promise.all(
      [api1, api2, worker].map(async (server) => (await fetch(`${server.url}/metrics`)).text()),
    );
    expect(metrics.join('\n')).toMatch(
      /^runbook_run_retries_total\{runbook="Idempotent\.md"\} 1$/m,
    );
  }, 120_000);

  it('kill -9 of the reconciler leader: another process leads and relays events', async () => {
    const isLeader = async (server: ApiServer) => {
      const metrics = await fetch(`${server.url}/metrics`).catch(() => null);
      return /^runbook_reconciler_leader 1$/m.test((await metrics?.text()) ?? '');
    };
    const processes = [api1, api2, worker];
    const leader = await waitFor(
      async () => {
        const flags = await Promise.all(processes.map(isLeader));
        expect(flags.filter(Boolean).length).toBeLessThanOrEqual(1);
        return processes[flags.indexOf(true)] ?? null;
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'a reconciler leader' },
    );
    // Keep one API and one worker whatever the leader was.
    const spare = leader === worker ? await cluster.start('worker', common) : null;
    await leader.crash();
    const survivors = [
      ...processes.filter((server) => server !== leader),
      ...(spare ? [spare] : []),
    ];
    await waitFor(async () => (await Promise.all(survivors.map(isLeader))).some(Boolean), {
      timeoutMs: 20_000,
      intervalMs: 250,
      what: 'a new reconciler leader',
    });
    const entryApi = leader === api1 ? api2 : api1;
    const id = await client.submit(entryApi, 'Mark.md', { MARK: `failover-${randomUUID()}` });
    const events = await cluster.eventsOf(id, 3, 30_000);
    expect(events.map((e) => [e.event_type, e.payload.status])).toEqual([
      ['create', 'queued'],
      ['update', 'running'],
      ['update', 'success'],
    ]);
  }, 120_000);
});
