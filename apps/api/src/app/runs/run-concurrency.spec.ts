import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunStore } from '@runbooks/history';

import { RUN_STORE } from '../history/run-store.provider';
import { RunsTestApp, eventually, runbookText } from '../../testing/runs-test-app';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RunSubmission, type Submission } from './run-submission.service';

/** Folder of the flag files that let held runs finish (a script waits at most ~30 s). */
const flags = mkdtempSync(join(tmpdir(), 'api-concurrency-flags-'));
// Scripts may run as a sandbox uid: it must reach the flags.
chmodSync(flags, 0o711);

/** A runbook whose script holds its slots until `release(name)`, with a Concurrency section. */
function holding(name: string, concurrency: string, withTarget = false): string {
  const script = [
    `for i in {1..600}; do [[ -e ${join(flags, name)} ]] && break; sleep 0.05; done`,
    `echo done ${name}`,
  ].join('\n');
  const text = runbookText(name, script, `# Concurrency\n\`\`\`yaml\n${concurrency}\n\`\`\`\n`);
  return withTarget
    ? text.replace(
        '# Environment Requirements\n```yaml\n',
        '# Environment Requirements\n```yaml\nTARGET: Where to go\n',
      )
    : text;
}

const release = (name: string) => writeFileSync(join(flags, name), '');

const RUNBOOKS = {
  'Queue.md': holding('Queue', 'limit: 1\nmax_queued: 1'),
  'Reject.md': holding('Reject', 'limit: 1\non_limit: reject'),
  'Never.md': holding('Never', 'limit: 1\nmax_queued: 0'),
  'Keyed.md': holding('Keyed', 'limit: 1\nkey: TARGET', true),
  'LockA.md': holding('LockA', 'locks: [shared-db]'),
  'LockB.md': holding('LockB', 'locks: [shared-db]'),
};

describe('Concurrency admission in RunSubmission (embedded ports, SQLite, real zsh)', () => {
  let app: RunsTestApp;
  let store: RunStore;
  let ports: RunPorts;
  let submission: RunSubmission;

  beforeAll(async () => {
    app = await RunsTestApp.start(RUNBOOKS, { ALLOW_UNSANDBOXED: 'true' });
    store = app.get<RunStore>(RUN_STORE);
    ports = app.get<RunPorts>(RUN_PORTS);
    submission = app.get(RunSubmission);
  });
  afterAll(async () => {
    for (const name of Object.keys(RUNBOOKS)) release(name.replace('.md', ''));
    await app.stop();
    rmSync(flags, { recursive: true, force: true });
  });

  const history = (file: string) => readFileSync(join(app.config.runbooksDir, file), 'utf8');

  async function running(file: string, envVars: Record<string, string> = {}) {
    const submitted = await submission.submit(app.command(file, {}, envVars));
    await eventually(
      async () => (await store.get(submitted.run.id))?.status === 'running',
      `${file} to start`,
    );
    return submitted;
  }

  async function expectSkipped(submitted: Submission, pattern: RegExp): Promise<void> {
    expect(submitted.refused).toMatch(pattern);
    expect(submitted.run).toMatchObject({ status: 'skipped', returnCode: null, startedAt: null });
    expect(submitted.run.errors.join('\n')).toMatch(pattern);
    expect(await submitted.result()).toMatchObject({ success: false });
    expect(await ports.requests.get(submitted.run.id)).toBeNull();
    expect((await store.get(submitted.run.id))?.status).toBe('skipped');
  }

  it('queues a run behind a held limit, says why and where, and starts it once freed', async () => {
    const holder = await running('Queue.md');
    const waiting = await submission.submit(app.command('Queue.md'));
    expect(waiting.refused).toBeUndefined();
    expect(await store.get(waiting.run.id)).toMatchObject({
      status: 'queued',
      waitingFor: `concurrency limit 1 of Queue.md, held by run ${holder.run.id}`,
      queuePosition: 1,
    });
    // max_queued: 1 — a second waiting run is one too many.
    const full = await submission.submit(app.command('Queue.md'));
    await expectSkipped(full, /queue is full .*1 runs already wait, max_queued: 1/);
    expect(history('Queue.md')).not.toContain(full.run.id);
    release('Queue');
    expect(await holder.result()).toMatchObject({ success: true });
    expect(await waiting.result()).toMatchObject({ success: true, stdout: 'done Queue\n' });
    expect(await store.get(waiting.run.id)).toMatchObject({ waitingFor: null, queuePosition: null });
  });

  it('refuses at once with on_limit: reject, naming the holder; skipped, never ran', async () => {
    const holder = await running('Reject.md');
    const refused = await submission.submit(app.command('Reject.md'));
    await expectSkipped(
      refused,
      new RegExp(`held by run ${holder.run.id}.*\\(on_limit: reject\\)`),
    );
    release('Reject');
    expect(await holder.result()).toMatchObject({ success: true });
    // With the slot free, the next run is admitted.
    const next = await submission.submit(app.command('Reject.md'));
    expect(next.refused).toBeUndefined();
    expect(await next.result()).toMatchObject({ success: true });
  });

  it('never lets a run wait with max_queued: 0', async () => {
    const holder = await running('Never.md');
    await expectSkipped(await submission.submit(app.command('Never.md')), /max_queued: 0/);
    release('Never');
    expect(await holder.result()).toMatchObject({ success: true });
  });

  it('counts runs per key value: another value runs side by side, the same value waits', async () => {
    const prod = await running('Keyed.md', { TARGET: 'prod' });
    const staging = await running('Keyed.md', { TARGET: 'staging' });
    const prodAgain = await submission.submit(app.command('Keyed.md', {}, { TARGET: 'prod' }));
    expect(await store.get(prodAgain.run.id)).toMatchObject({
      status: 'queued',
      waitingFor: `concurrency limit 1 of Keyed.md for TARGET=prod, held by run ${prod.run.id}`,
      queuePosition: 1,
    });
    expect((await store.get(staging.run.id))?.slots.map((slot) => slot.key)).toEqual([
      'limit:Keyed.md:TARGET=staging',
    ]);
    release('Keyed');
    for (const run of [prod, staging, prodAgain])
      expect(await run.result()).toMatchObject({ success: true });
  });

  it('makes runbooks naming the same lock wait for each other, in request order', async () => {
    const a = await running('LockA.md');
    const b = await submission.submit(app.command('LockB.md'));
    const a2 = await submission.submit(app.command('LockA.md'));
    expect(await store.get(b.run.id)).toMatchObject({
      status: 'queued',
      waitingFor: `lock shared-db, held by run ${a.run.id}`,
      queuePosition: 1,
    });
    expect(await store.get(a2.run.id)).toMatchObject({ status: 'queued', queuePosition: 2 });
    release('LockA');
    expect(await a.result()).toMatchObject({ success: true });
    // B asked first, so it holds the lock before the second LockA run.
    await eventually(async () => (await store.get(b.run.id))?.status === 'running', 'B to start');
    expect(await store.get(a2.run.id)).toMatchObject({
      status: 'queued',
      waitingFor: `lock shared-db, held by run ${b.run.id}`,
      queuePosition: 1,
    });
    release('LockB');
    expect(await b.result()).toMatchObject({ success: true });
    expect(await a2.result()).toMatchObject({ success: true });
  });
});
