import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { openSqliteRunStore, type Run, type RunStore } from '@runbooks/history';
import { parseHistoryEntries } from '@runbooks/runbook-format';
import type { ExecuteResult } from '@runbooks/types';
import { register } from 'prom-client';

import { NO_OUTPUT } from '../history/output-tail';
import { LastRunIndex } from '../history/last-run-index.service';
import { RUN_STORE } from '../history/run-store.provider';
import { RunsTestApp, eventually, runbookText } from '../../testing/runs-test-app';
import { RunCancellation } from './run-cancellation.service';
import { RunLifecycle } from './run-lifecycle.service';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RunSubmission } from './run-submission.service';

const ECHO = runbookText('Echo', 'echo hello');
const SLOW = runbookText('Slow', 'sleep 30');

/** Every `done` the bus delivers for a run, counted from now on. */
function doneSignals(ports: RunPorts, runId: string): ExecuteResult[] {
  const seen: ExecuteResult[] = [];
  ports.bus.subscribe(runId, Number.MAX_SAFE_INTEGER, (signal) => {
    if (signal.kind === 'done') seen.push(signal.result);
  });
  return seen;
}

async function runsCounted(runbook: string, status: string): Promise<number> {
  const metric = await register.getSingleMetric('runbook_runs_total')?.get();
  const value = metric?.values.find(
    (v) => v.labels['runbook'] === runbook && v.labels['status'] === status,
  );
  return value?.value ?? 0;
}

describe('RunLifecycle (embedded ports, SQLite, real zsh)', () => {
  let app: RunsTestApp;
  let store: RunStore;
  let lifecycle: RunLifecycle;
  let ports: RunPorts;

  beforeAll(async () => {
    app = await RunsTestApp.start(
      { 'Echo.md': ECHO, 'Slow.md': SLOW },
      { MAX_CONCURRENT_RUNS: '1', ALLOW_UNSANDBOXED: 'true' },
    );
    store = app.get<RunStore>(RUN_STORE);
    lifecycle = app.get(RunLifecycle);
    ports = app.get<RunPorts>(RUN_PORTS);
  });
  afterAll(() => app.stop());

  const history = () =>
    parseHistoryEntries(readFileSync(join(app.config.runbooksDir, 'Echo.md'), 'utf8'));

  it('takes a run from queued to success with each side effect exactly once', async () => {
    const countedBefore = await runsCounted('Echo.md', 'success');
    const entriesBefore = history().length;
    const submission = await app.get(RunSubmission).submit(app.command('Echo.md'));
    const dones = doneSignals(ports, submission.run.id);
    expect(submission.run.status).toBe('queued');
    const result = await submission.result();
    expect(result).toMatchObject({ success: true, return_code: 0, stdout: 'hello\n' });
    const run = await store.get(submission.run.id);
    expect(run).toMatchObject({ status: 'success', returnCode: 0, attempt: 1 });
    await eventually(() => Promise.resolve(dones.length > 0), 'the done signal');
    expect(dones).toHaveLength(1);
    expect(history()).toHaveLength(entriesBefore + 1);
    expect(await runsCounted('Echo.md', 'success')).toBe(countedBefore + 1);
    expect(app.get(LastRunIndex).get('Echo.md')).toMatchObject({
      id: submission.run.id,
      status: 'success',
    });
  });

  it('drops a settlement that lost the race: no second History entry, count or done', async () => {
    const submission = await app.get(RunSubmission).submit(app.command('Echo.md'));
    await submission.result();
    const settledRun = (await store.get(submission.run.id)) as Run;
    const entries = history().length;
    const counted = await runsCounted('Echo.md', 'failure');
    const dones = doneSignals(ports, settledRun.id);
    const late = await lifecycle.settle(settledRun, {
      status: 'failure',
      from: ['running'],
      patch: { returnCode: 1 },
      history: {
        filename: 'Echo.md',
        operation: 'execute',
        startedAt: new Date(),
        finishedAt: new Date(),
        returnCode: 1,
        runId: settledRun.id,
        stdout: NO_OUTPUT,
        stderr: NO_OUTPUT,
        errors: [],
        warnings: [],
        breadcrumb: {
          at_time: '',
          by_user: 'x',
          from_ip: '',
          correlation_id: '',
          recursion_stack: [],
          roles: [],
        },
      },
    });
    expect(late.applied).toBe(false);
    expect(late.run.status).toBe('success');
    expect(history()).toHaveLength(entries);
    expect(await runsCounted('Echo.md', 'failure')).toBe(counted);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The replayed done (from the first settlement) is the only one.
    expect(dones.filter((done) => done.return_code === 1)).toHaveLength(0);
  });

  it('refuses a move the lifecycle table does not allow, with nothing written', async () => {
    const submission = await app.get(RunSubmission).submit(app.command('Echo.md'));
    await submission.result();
    const run = (await store.get(submission.run.id)) as Run;
    await expect(
      lifecycle.settle(run, {
        status: 'canceled',
        from: ['success'],
        patch: { canceledBy: 'mallory' },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    expect(await store.get(run.id)).toMatchObject({ status: 'success', canceledBy: null });
  });

  it('cancels a queued run before its script starts: canceled, done -15, never claimed', async () => {
    const slow = await app.get(RunSubmission).submit(app.command('Slow.md'));
    await eventually(async () => (await store.get(slow.run.id))?.status === 'running', 'start');
    const queued = await app.get(RunSubmission).submit(app.command('Echo.md'));
    expect((await store.get(queued.run.id))?.status).toBe('queued');
    const caller = app.command('Echo.md').caller;
    const canceled = await app.get(RunCancellation).cancel(queued.run, caller, 'not now');
    expect(canceled).toMatchObject({
      status: 'canceled',
      canceledBy: 'alice',
      cancelReason: 'not now',
      startedAt: null,
      attempt: 0,
    });
    expect(await queued.result()).toMatchObject({ success: false, return_code: -15 });
    const stopped = await app.get(RunCancellation).cancel(slow.run, caller, 'done waiting');
    expect(stopped.status).toBe('canceled');
    expect(await slow.result()).toMatchObject({ success: false });
  });
});

describe('boot recovery (embedded)', () => {
  it('marks the runs a previous process left unfinished lost, once, with their done', async () => {
    const first = await RunsTestApp.start({ 'Echo.md': ECHO }, { ALLOW_UNSANDBOXED: 'true' });
    const root = first.root;
    const dataFile = join(first.config.dataDir, 'runs.db');
    await first.stop(true);
    const file = await openSqliteRunStore({ file: dataFile });
    const left = await file.create({ runbook: 'Echo.md', requestedBy: 'bob' });
    const claimed = await file.claim(
      (await file.create({ runbook: 'Echo.md', requestedBy: 'bob' })).id,
      {
        workerId: 'gone',
      },
    );
    await file.close();
    const second = await RunsTestApp.start({}, { ALLOW_UNSANDBOXED: 'true' }, root);
    try {
      const store = second.get<RunStore>(RUN_STORE);
      for (const id of [left.id, claimed?.id ?? '']) {
        const run = await store.get(id);
        expect(run?.status).toBe('lost');
        expect(run?.errors).toContain('The server stopped before this run finished');
      }
    } finally {
      await second.stop();
    }
  });
});
