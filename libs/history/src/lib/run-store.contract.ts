/// <reference types="jest" />
/**
 * The RunStore contract: one Jest suite every adapter runs (SQLite and PostgreSQL here, and
 * third-party stores through the `@runbooks/history/testing` entry). Only `testing.ts` imports it,
 * so the main entry never loads Jest globals or fast-check.
 */
import type { RunStatus } from '@runbooks/types';
import fc from 'fast-check';
import { isHistoryError } from './history-error';
import type { HistoryErrorCode } from './history-error';
import type { NewRun, Run, RunEvent, RunEventOutbox, RunFilter, RunStore } from './run-store';
import { describeRunSlots } from './run-slots.contract';
import { toWire } from './to-wire';
import { describeApprovalContract } from './approval.contract';

/** What the contract suite hands an adapter factory: a controllable clock and the tail cap. */
export interface RunStoreContractOptions {
  now: () => Date;
  tailBytes: number;
  /** Passed to stores that plan labelled queries (KyselyRunStoreOptions.labelHitsCap). */
  labelHitsCap?: number;
  /** When given, the transactional outbox must be on (true) or off (false); else the adapter's default. */
  outbox?: boolean;
}

/** Builds a fresh, empty store for one test. */
export type RunStoreFactory = (options: RunStoreContractOptions) => Promise<RunStore>;

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const TAIL_BYTES = 64;

async function expectCode(promise: Promise<unknown>, code: HistoryErrorCode): Promise<void> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isHistoryError(caught, code) ? code : caught).toBe(code);
}

function iso(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

function withOutbox(store: RunStore): RunStore & RunEventOutbox {
  if (!('readOutbox' in store) || !('markPublished' in store)) {
    throw new Error('This store has no outbox (readOutbox/markPublished).');
  }
  return store as RunStore & RunEventOutbox;
}

/** Registers the RunStore contract tests for one adapter. */
export function describeRunStoreContract(name: string, factory: RunStoreFactory): void {
  describe(`RunStore contract: ${name}`, () => {
    let clockMs = T0;
    let store: RunStore;
    const tick = (ms = 1000): void => {
      clockMs += ms;
    };
    const make = (overrides: Partial<NewRun> = {}): Promise<Run> =>
      store.create({ runbook: 'deploy.md', requestedBy: 'alice', ...overrides });

    beforeEach(async () => {
      clockMs = T0;
      store = await factory({ now: () => new Date(clockMs), tailBytes: TAIL_BYTES });
    });

    afterEach(async () => {
      await store.close();
    });

    describeApprovalContract(() => store);

    describe('create and get', () => {
      it('stores every field and reads it back', async () => {
        const created = await store.create({
          id: 'run-1',
          runbook: 'deploy.md',
          operation: 'execute',
          requestedBy: 'alice',
          roles: ['admin', 'ops'],
          correlationId: 'corr-1',
          recursionStack: ['parent.md', 'deploy.md'],
          labels: { env: 'prod', team: 'core' },
          envVarNames: ['TOKEN', 'MODE', 'TOKEN'],
          stdout: 'out',
          stderr: 'err',
          errors: ['e1'],
          warnings: ['w1'],
        });
        const expected: Run = {
          id: 'run-1',
          runbook: 'deploy.md',
          status: 'queued',
          operation: 'execute',
          returnCode: null,
          requestedBy: 'alice',
          roles: ['admin', 'ops'],
          correlationId: 'corr-1',
          recursionStack: ['parent.md', 'deploy.md'],
          labels: { env: 'prod', team: 'core' },
          envVarNames: ['MODE', 'TOKEN'],
          createdAt: iso(0),
          startedAt: null,
          finishedAt: null,
          updatedAt: iso(0),
          attempt: 0,
          workerId: null,
          heartbeatAt: null,
          stdout: 'out',
          stderr: 'err',
          errors: ['e1'],
          warnings: ['w1'],
          canceledBy: null,
          cancelReason: null,
          trigger: 'api',
          client: null,
          runbookSha256: null,
          approval: null,
          slots: [],
          waitingFor: null,
          queuePosition: null,
          scheduledFor: null,
          missed: false,
        };
        expect(created).toEqual(expected);
        expect(await store.get('run-1')).toEqual(expected);
      });

      it('fills defaults: generated id, correlation id = id, queued, execute, attempt 0', async () => {
        const run = await make();
        expect(run.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(run.correlationId).toBe(run.id);
        expect(run).toMatchObject({
          status: 'queued',
          operation: 'execute',
          attempt: 0,
          labels: {},
        });
        expect(await store.get(run.id)).toEqual(run);
      });

      it('records a denial as finished at creation', async () => {
        const run = await make({
          status: 'denied',
          operation: 'validate',
          returnCode: 403,
          errors: ['RBAC Failure: Access denied for user bob. nope'],
          createdAt: new Date(T0 + 5),
        });
        expect(run).toMatchObject({ status: 'denied', operation: 'validate', returnCode: 403 });
        expect(run.finishedAt).toBe(iso(5));
        expect(run.createdAt).toBe(iso(5));
      });

      it('normalizes timestamps to ISO UTC with milliseconds', async () => {
        const run = await make({
          createdAt: '2026-03-01T13:00:00+01:00',
          finishedAt: '2026-03-01T12:00:01Z',
        });
        expect(run.createdAt).toBe('2026-03-01T12:00:00.000Z');
        expect(run.finishedAt).toBe('2026-03-01T12:00:01.000Z');
      });

      it('records what started a run and which MCP client', async () => {
        const run = await make({ id: 'mcp-1', trigger: 'mcp', client: 'claude-code/2.1.0' });
        expect(run).toMatchObject({ trigger: 'mcp', client: 'claude-code/2.1.0' });
        expect(await store.get('mcp-1')).toMatchObject({
          trigger: 'mcp',
          client: 'claude-code/2.1.0',
        });
        expect(toWire(run)).toMatchObject({ trigger: 'mcp', client: 'claude-code/2.1.0' });
        await expectCode(make({ trigger: 'cron' as 'api' }), 'INVALID_RUN');
        await expectCode(make({ client: 'x'.repeat(201) }), 'INVALID_RUN');
        await expectCode(make({ client: '' }), 'INVALID_RUN');
      });

      it('records one run per runbook and fire time, whoever inserts it (FIRE_EXISTS)', async () => {
        const fire = '2026-03-01T12:00:02.000Z';
        const scheduled = { trigger: 'schedule' as const, scheduledFor: fire };
        const run = await make({ id: 'fire-1', ...scheduled, missed: true });
        expect(run).toMatchObject({ trigger: 'schedule', scheduledFor: fire, missed: true });
        expect(toWire(run)).toMatchObject({ scheduled_for: fire, missed: true });
        expect(await store.get('fire-1')).toMatchObject({ scheduledFor: fire, missed: true });
        // Racing schedulers: exactly one insert of the same fire wins, the others are refused.
        const racers = await Promise.allSettled(
          Array.from({ length: 5 }, (_, index) => make({ id: `race-${index}`, ...scheduled })),
        );
        expect(racers.every((r) => r.status === 'rejected')).toBe(true);
        await expectCode(make({ id: 'fire-2', ...scheduled }), 'FIRE_EXISTS');
        const fresh = { trigger: 'schedule' as const, scheduledFor: '2026-03-01T12:00:06.000Z' };
        const firsts = await Promise.allSettled(
          Array.from({ length: 5 }, (_, index) => make({ id: `first-${index}`, ...fresh })),
        );
        expect(firsts.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        // Another runbook, another fire time, and runs without a fire never collide.
        await make({ id: 'other-book', runbook: 'other.md', ...scheduled });
        await make({ id: 'next-fire', trigger: 'schedule', scheduledFor: '2026-03-01T12:00:04Z' });
        await make({ id: 'api-1' });
        await make({ id: 'api-2' });
        expect((await make({ id: 'api-3' })).scheduledFor).toBeNull();
        const fires = await store.listFires('deploy.md');
        expect(fires.map((f) => f.scheduledFor)).toEqual([
          '2026-03-01T12:00:06.000Z',
          '2026-03-01T12:00:04.000Z',
          fire,
        ]);
        expect((await store.listFires('deploy.md', { oldestFirst: true, limit: 1 }))[0]?.id).toBe(
          'fire-1',
        );
        expect(await store.listFires('deploy.md', { statuses: ['running'] })).toEqual([]);
        await expectCode(make({ trigger: 'schedule' }), 'INVALID_RUN');
        await expectCode(make({ scheduledFor: fire }), 'INVALID_RUN');
        await expectCode(make({ missed: true }), 'INVALID_RUN');
      });

      it('refuses a duplicate id', async () => {
        await make({ id: 'dup' });
        await expectCode(make({ id: 'dup' }), 'RUN_EXISTS');
      });

      it('rejects invalid runs', async () => {
        await expectCode(make({ envVarNames: ['SECRET=hunter2'] }), 'INVALID_RUN');
        await expectCode(make({ envVarNames: [''] }), 'INVALID_RUN');
        await expectCode(make({ status: 'running' as 'queued' }), 'INVALID_RUN');
        await expectCode(make({ operation: 'delete' as 'execute' }), 'INVALID_RUN');
        await expectCode(make({ runbook: '' }), 'INVALID_RUN');
        await expectCode(make({ id: '' }), 'INVALID_RUN');
        await expectCode(make({ requestedBy: 7 as unknown as string }), 'INVALID_RUN');
        await expectCode(make({ labels: { 'a=b': 'c' } }), 'INVALID_RUN');
        await expectCode(make({ labels: { a: 1 as unknown as string } }), 'INVALID_RUN');
        await expectCode(make({ roles: 'admin' as unknown as string[] }), 'INVALID_RUN');
        await expectCode(make({ createdAt: 'yesterday' }), 'INVALID_RUN');
        await expectCode(make({ returnCode: 1.5 }), 'INVALID_RUN');
        expect((await store.list()).items).toEqual([]);
      });

      it('returns null for an unknown id', async () => {
        expect(await store.get('nope')).toBeNull();
      });

      it('caps stdout/stderr tails to the configured bytes, keeping the end on a UTF-8 boundary', async () => {
        const stdout = 'head-' + 'x'.repeat(100) + '-end';
        const stderr = 'é'.repeat(40); // 80 bytes
        const run = await make({ stdout, stderr });
        expect(run.stdout).toBe(stdout.slice(-TAIL_BYTES));
        expect(run.stderr).toBe('é'.repeat(32));
        expect((await store.get(run.id))?.stderr).toBe('é'.repeat(32));
      });

      it('maps to the snake_case wire record', async () => {
        const run = await make({ id: 'w1', labels: { env: 'dev' }, envVarNames: ['A'] });
        const wire = toWire(run);
        expect(wire).toMatchObject({
          id: 'w1',
          requested_by: 'alice',
          env_var_names: ['A'],
          labels: { env: 'dev' },
          created_at: iso(0),
          return_code: null,
          canceled_by: null,
        });
        expect(Object.keys(wire)).not.toContain('workerId');
        expect(Object.keys(wire)).not.toContain('heartbeat_at');
      });
    });

    describe('claim, heartbeat and fenced transitions', () => {
      it('claims a queued run once: attempt + 1, running, started and heartbeat now', async () => {
        const run = await make({ id: 'c1' });
        tick();
        const claimed = await store.claim('c1', { workerId: 'worker-a' });
        expect(claimed).toMatchObject({
          status: 'running',
          attempt: 1,
          workerId: 'worker-a',
          startedAt: iso(1000),
          heartbeatAt: iso(1000),
        });
        expect(run.attempt).toBe(0);
        expect(await store.claim('c1', { workerId: 'worker-b' })).toBeNull();
        expect(await store.claim('missing', { workerId: 'worker-b' })).toBeNull();
        expect((await store.get('c1'))?.workerId).toBe('worker-a');
      });

      it('lets exactly one of many concurrent duplicate deliveries claim a run', async () => {
        await make({ id: 'race' });
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, index) => store.claim('race', { workerId: `w${index}` })),
        );
        const winners = results.filter((result) => result !== null);
        expect(winners).toHaveLength(1);
        expect(winners[0]?.attempt).toBe(1);
      });

      it('applies a transition with the right attempt and from-status, with its patch', async () => {
        await make({ id: 't1' });
        const claimed = await store.claim('t1', { workerId: 'w' });
        tick(2500);
        const result = await store.transition(
          't1',
          claimed?.attempt ?? -1,
          ['running'],
          'failure',
          {
            returnCode: 2,
            stdout: 'final out',
            stderr: 'final err',
            errors: ['boom'],
            warnings: ['careful'],
          },
        );
        expect(result.applied).toBe(true);
        expect(result.run).toMatchObject({
          status: 'failure',
          returnCode: 2,
          stdout: 'final out',
          stderr: 'final err',
          errors: ['boom'],
          warnings: ['careful'],
          finishedAt: iso(2500),
          updatedAt: iso(2500),
          startedAt: iso(0),
          attempt: 1,
        });
        expect(await store.get('t1')).toEqual(result.run);
      });

      it('refuses a stale attempt, a status mismatch and an unknown run, changing nothing', async () => {
        await make({ id: 't2' });
        await store.claim('t2', { workerId: 'w' });
        const before = await store.get('t2');

        const stale = await store.transition('t2', 0, ['running'], 'success', { returnCode: 0 });
        expect(stale).toEqual({ applied: false, reason: 'STALE_ATTEMPT', run: before });

        const mismatch = await store.transition('t2', 1, ['queued'], 'canceled');
        expect(mismatch).toEqual({ applied: false, reason: 'STATUS_MISMATCH', run: before });

        const missing = await store.transition('nope', 1, ['running'], 'success');
        expect(missing).toEqual({ applied: false, reason: 'RUN_NOT_FOUND', run: null });
        expect(await store.get('t2')).toEqual(before);
      });

      it('lets only one of two racing finishers win', async () => {
        await make({ id: 't3' });
        await store.claim('t3', { workerId: 'w' });
        const [a, b] = await Promise.all([
          store.transition('t3', 1, ['running'], 'success', { returnCode: 0 }),
          store.transition('t3', 1, ['running'], 'timeout', { returnCode: -9 }),
        ]);
        expect([a.applied, b.applied].filter(Boolean)).toHaveLength(1);
        const final = await store.get('t3');
        expect(final?.status).toBe(a.applied ? 'success' : 'timeout');
      });

      it('fences out a worker whose run was marked lost by a reconciler', async () => {
        await make({ id: 'l1' });
        const claimed = await store.claim('l1', { workerId: 'dead-worker' });
        const attempt = claimed?.attempt ?? -1;
        tick(60_000);
        const stale = await store.listByStatus(['running'], {
          heartbeatBefore: new Date(clockMs - 30_000),
        });
        expect(stale.map((run) => run.id)).toEqual(['l1']);
        const lost = await store.transition('l1', attempt, ['running'], 'lost', {
          errors: ['worker vanished'],
        });
        expect(lost.run).toMatchObject({
          status: 'lost',
          finishedAt: iso(60_000),
          errors: ['worker vanished'],
        });

        expect(await store.heartbeat('l1', attempt)).toBe(false);
        const late = await store.transition('l1', attempt, ['running'], 'success', {
          returnCode: 0,
        });
        expect(late).toMatchObject({ applied: false, reason: 'STATUS_MISMATCH' });
        expect((await store.get('l1'))?.status).toBe('lost');
      });

      it('requeues a lost run for a retry: the old worker is fenced out, the next claim is attempt + 1', async () => {
        await make({ id: 'r1' });
        const first = await store.claim('r1', { workerId: 'dead-worker' });
        const attempt = first?.attempt ?? -1;
        tick(60_000);
        const requeued = await store.requeue('r1', attempt, { errors: ['worker vanished'] });
        expect(requeued.applied).toBe(true);
        expect(requeued.run).toMatchObject({
          status: 'queued',
          attempt,
          workerId: null,
          heartbeatAt: iso(60_000),
          finishedAt: null,
          errors: ['worker vanished'],
        });
        expect(await store.heartbeat('r1', attempt)).toBe(false);
        const late = await store.transition('r1', attempt, ['running'], 'success');
        expect(late).toMatchObject({ applied: false, reason: 'STATUS_MISMATCH' });
        // Not twice: the run is no longer running.
        expect(await store.requeue('r1', attempt)).toMatchObject({
          applied: false,
          reason: 'STATUS_MISMATCH',
        });
        tick();
        const second = await store.claim('r1', { workerId: 'other-worker' });
        expect(second).toMatchObject({
          status: 'running',
          attempt: attempt + 1,
          workerId: 'other-worker',
          startedAt: iso(61_000),
        });
        expect(await store.requeue('r1', attempt)).toMatchObject({
          applied: false,
          reason: 'STALE_ATTEMPT',
        });
        expect(await store.requeue('nope', 1)).toEqual({
          applied: false,
          reason: 'RUN_NOT_FOUND',
          run: null,
        });
      });

      it('cancels a queued run so that no delivery can claim it afterwards', async () => {
        await make({ id: 'q1' });
        const canceled = await store.transition('q1', 0, ['queued', 'running'], 'canceled', {
          canceledBy: 'bob',
          cancelReason: 'not today',
        });
        expect(canceled.run).toMatchObject({
          status: 'canceled',
          canceledBy: 'bob',
          cancelReason: 'not today',
        });
        expect(toWire(canceled.run as Run)).toMatchObject({
          canceled_by: 'bob',
          cancel_reason: 'not today',
        });
        expect(await store.claim('q1', { workerId: 'w' })).toBeNull();
      });

      it('sets startedAt when a transition starts a run, keeping explicit timestamps', async () => {
        await make({ id: 's1' });
        tick();
        const started = await store.transition('s1', 0, ['queued'], 'running');
        expect(started.run?.startedAt).toBe(iso(1000));
        const finished = await store.transition('s1', 0, ['running'], 'success', {
          finishedAt: iso(5000),
          startedAt: iso(500),
          returnCode: 0,
        });
        expect(finished.run).toMatchObject({ startedAt: iso(500), finishedAt: iso(5000) });
      });

      it('caps tails given in a transition patch', async () => {
        await make({ id: 'cap' });
        const result = await store.transition('cap', 0, ['queued'], 'failure', {
          stdout: 'a'.repeat(200) + 'END',
        });
        expect(result.run?.stdout).toBe('a'.repeat(TAIL_BYTES - 3) + 'END');
      });

      it('rejects transitions out of final states, back to queued, from nothing, or to unknown states', async () => {
        await make({ id: 'bad' });
        await expectCode(store.transition('bad', 0, ['success'], 'failure'), 'INVALID_TRANSITION');
        await expectCode(store.transition('bad', 0, ['running'], 'queued'), 'INVALID_TRANSITION');
        await expectCode(store.transition('bad', 0, [], 'running'), 'INVALID_TRANSITION');
        await expectCode(
          store.transition('bad', 0, ['queued'], 'paused' as RunStatus),
          'INVALID_TRANSITION',
        );
        await expectCode(
          store.transition('bad', 0, ['queued'], 'failure', { finishedAt: 'soon' }),
          'INVALID_RUN',
        );
        await expectCode(
          store.transition('bad', 0, ['queued'], 'failure', { errors: [1] as unknown as string[] }),
          'INVALID_RUN',
        );
        expect((await store.get('bad'))?.status).toBe('queued');
      });

      it('rejects every transition the lifecycle table does not allow', async () => {
        await make({ id: 'table' });
        await expectCode(store.transition('table', 0, ['queued'], 'timeout'), 'INVALID_TRANSITION');
        await expectCode(
          store.transition('table', 0, ['queued', 'running'], 'denied'),
          'INVALID_TRANSITION',
        );
        await expectCode(store.transition('table', 0, ['queued'], 'success'), 'INVALID_TRANSITION');
        expect((await store.get('table'))?.status).toBe('queued');
        const denied = await store.transition('table', 0, ['queued'], 'denied');
        expect(denied.run?.status).toBe('denied');
      });

      it('records heartbeats only for the current attempt of a running run', async () => {
        await make({ id: 'h1' });
        expect(await store.heartbeat('h1', 0)).toBe(false);
        await store.claim('h1', { workerId: 'w' });
        tick(5000);
        expect(await store.heartbeat('h1', 1)).toBe(true);
        expect((await store.get('h1'))?.heartbeatAt).toBe(iso(5000));
        expect(await store.heartbeat('h1', 2)).toBe(false);
        expect(await store.heartbeat('missing', 1)).toBe(false);
      });

      it('lists runs by status for reconcilers, oldest sign of life first', async () => {
        await make({ id: 'r-old' });
        tick();
        await make({ id: 'r-new' });
        await make({ id: 'q-only' });
        await store.claim('r-old', { workerId: 'w' });
        tick();
        await store.claim('r-new', { workerId: 'w' });
        tick(10_000);
        await store.heartbeat('r-new', 1);
        const running = await store.listByStatus(['running']);
        expect(running.map((run) => run.id)).toEqual(['r-old', 'r-new']);
        const stale = await store.listByStatus(['running', 'queued'], {
          heartbeatBefore: iso(5000),
        });
        expect(stale.map((run) => run.id).sort()).toEqual(['q-only', 'r-old']);
        expect(await store.listByStatus(['running'], { limit: 1 })).toHaveLength(1);
        expect(await store.listByStatus([])).toEqual([]);
        await expectCode(store.listByStatus(['nope' as RunStatus]), 'INVALID_FILTER');
        await expectCode(
          store.listByStatus(['running'], { heartbeatBefore: 'never' }),
          'INVALID_FILTER',
        );
      });

      it('lists running runs started before a deadline, never the ones not started', async () => {
        await make({ id: 'd-early' });
        await make({ id: 'd-queued' });
        await store.claim('d-early', { workerId: 'w' });
        tick(10_000);
        await make({ id: 'd-late' });
        await store.claim('d-late', { workerId: 'w' });
        await store.heartbeat('d-early', 1);
        const overdue = await store.listByStatus(['running', 'queued'], {
          startedBefore: iso(5000),
        });
        expect(overdue.map((run) => run.id)).toEqual(['d-early']);
        await expectCode(
          store.listByStatus(['running'], { startedBefore: 'noon' }),
          'INVALID_FILTER',
        );
      });
    });

    describe('output chunks', () => {
      it('numbers chunks from 1, reads from a seq and keeps capped tails per stream', async () => {
        await make({ id: 'o1' });
        const first = await store.appendOutput('o1', [
          { stream: 'stdout', data: 'line 1\n' },
          { stream: 'stderr', data: 'warn 1\n' },
        ]);
        expect(first.map((chunk) => chunk.seq)).toEqual([1, 2]);
        const second = await store.appendOutput('o1', [
          { stream: 'stdout', data: 'line 2\n' },
          { stream: 'stdout', data: '' },
        ]);
        expect(second).toEqual([{ seq: 3, stream: 'stdout', data: 'line 2\n' }]);
        expect(await store.readOutput('o1')).toEqual([
          { seq: 1, stream: 'stdout', data: 'line 1\n' },
          { seq: 2, stream: 'stderr', data: 'warn 1\n' },
          { seq: 3, stream: 'stdout', data: 'line 2\n' },
        ]);
        expect((await store.readOutput('o1', 2)).map((chunk) => chunk.seq)).toEqual([2, 3]);
        expect((await store.readOutput('o1', 1, 1)).map((chunk) => chunk.seq)).toEqual([1]);
        expect(await store.readOutput('o1', 4)).toEqual([]);
        expect(await store.readOutput('unknown')).toEqual([]);
        const run = await store.get('o1');
        expect(run).toMatchObject({ stdout: 'line 1\nline 2\n', stderr: 'warn 1\n' });
      });

      it('keeps only the end of a long output in the tail, cut on a UTF-8 boundary', async () => {
        await make({ id: 'o2' });
        for (let index = 0; index < 10; index += 1) {
          await store.appendOutput('o2', [{ stream: 'stdout', data: `€${index}-`.repeat(3) }]);
        }
        const run = await store.get('o2');
        const all = (await store.readOutput('o2')).map((chunk) => chunk.data).join('');
        expect(Buffer.byteLength(run?.stdout ?? '')).toBeLessThanOrEqual(TAIL_BYTES);
        expect(all.endsWith(run?.stdout ?? 'x')).toBe(true);
        expect(run?.stdout.startsWith('\uFFFD')).toBe(false);
        expect(Buffer.byteLength(run?.stdout ?? '')).toBeGreaterThan(TAIL_BYTES - 4);
      });

      it('gives concurrent appends distinct, gap-free sequence numbers', async () => {
        await make({ id: 'o3' });
        await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            store.appendOutput('o3', [
              { stream: 'stdout', data: `a${index}` },
              { stream: 'stdout', data: `b${index}` },
            ]),
          ),
        );
        const chunks = await store.readOutput('o3');
        expect(chunks.map((chunk) => chunk.seq)).toEqual(
          Array.from({ length: 40 }, (_, index) => index + 1),
        );
        for (let index = 0; index < 20; index += 1) {
          const a = chunks.findIndex((chunk) => chunk.data === `a${index}`);
          expect(chunks[a + 1]?.data).toBe(`b${index}`);
        }
      });

      it('fences appends by attempt when asked, and rejects unknown runs and bad chunks', async () => {
        await make({ id: 'o4' });
        await store.claim('o4', { workerId: 'w' });
        expect(
          await store.appendOutput('o4', [{ stream: 'stdout', data: 'ok' }], { attempt: 1 }),
        ).toHaveLength(1);
        await expectCode(
          store.appendOutput('o4', [{ stream: 'stdout', data: 'late' }], { attempt: 0 }),
          'STALE_ATTEMPT',
        );
        await expectCode(
          store.appendOutput('nope', [{ stream: 'stdout', data: 'x' }]),
          'RUN_NOT_FOUND',
        );
        await expectCode(
          store.appendOutput('o4', [{ stream: 'stdin' as 'stdout', data: 'x' }]),
          'INVALID_RUN',
        );
        expect(await store.appendOutput('o4', [])).toEqual([]);
        expect((await store.readOutput('o4')).map((chunk) => chunk.data)).toEqual(['ok']);
      });

      it('stores many chunks in one call', async () => {
        await make({ id: 'o5' });
        const chunks = Array.from({ length: 450 }, (_, index) => ({
          stream: 'stdout' as const,
          data: `${index}\n`,
        }));
        const stored = await store.appendOutput('o5', chunks);
        expect(stored[449]?.seq).toBe(450);
        expect(await store.readOutput('o5', 1, 10_000)).toHaveLength(450);
      });
    });

    describe('list', () => {
      async function seed(): Promise<void> {
        const specs: [string, string, RunStatus, string, Record<string, string>, number][] = [
          ['a', 'deploy.md', 'success', 'alice', { env: 'prod', team: 'core' }, 0],
          ['b', 'deploy.md', 'failure', 'bob', { env: 'prod', team: 'web' }, 1000],
          ['c', 'backup.md', 'success', 'alice', { env: 'dev' }, 2000],
          ['d', 'deploy.md', 'queued', 'carol', {}, 3000],
          ['e', 'backup.md', 'denied', 'bob', { env: 'prod', team: 'core' }, 4000],
          ['f', 'deploy.md', 'success', 'alice', { env: 'prod', team: 'core' }, 4000],
        ];
        for (const [id, runbook, status, requestedBy, labels, offset] of specs) {
          await make({
            id,
            runbook,
            requestedBy,
            labels,
            createdAt: iso(offset),
            status: status === 'denied' ? 'denied' : 'queued',
          });
          if (status === 'success' || status === 'failure') {
            await store.claim(id, { workerId: 'w' });
            await store.transition(id, 1, ['running'], status, {
              returnCode: status === 'success' ? 0 : 1,
            });
          }
        }
      }
      const ids = (runs: Run[]): string[] => runs.map((run) => run.id);

      it('returns everything newest first, ties broken by id descending', async () => {
        await seed();
        const page = await store.list();
        expect(ids(page.items)).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
        expect(page.nextCursor).toBeNull();
      });

      it('filters by runbook, status (one or many), user, labels (ANDed) and time range', async () => {
        await seed();
        const list = async (filter: RunFilter): Promise<string[]> =>
          ids((await store.list(filter)).items);
        expect(await list({ runbook: 'deploy.md' })).toEqual(['f', 'd', 'b', 'a']);
        expect(await list({ status: 'success' })).toEqual(['f', 'c', 'a']);
        expect(await list({ status: ['failure', 'denied'] })).toEqual(['e', 'b']);
        expect(await list({ status: [] })).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
        expect(await list({ requestedBy: 'bob' })).toEqual(['e', 'b']);
        expect(await list({ labels: { env: 'prod' } })).toEqual(['f', 'e', 'b', 'a']);
        expect(await list({ labels: { env: 'prod', team: 'core' } })).toEqual(['f', 'e', 'a']);
        expect(await list({ labels: { team: 'core', env: 'dev' } })).toEqual([]);
        expect(await list({ createdFrom: iso(1000), createdTo: iso(4000) })).toEqual([
          'd',
          'c',
          'b',
        ]);
        expect(await list({ createdFrom: new Date(T0 + 4000) })).toEqual(['f', 'e']);
        expect(
          await list({ runbook: 'deploy.md', status: 'success', labels: { team: 'core' } }),
        ).toEqual(['f', 'a']);
        expect(
          await list({
            runbook: 'deploy.md',
            requestedBy: 'alice',
            createdTo: iso(4000),
            labels: { env: 'prod' },
          }),
        ).toEqual(['a']);
      });

      it('pages with an opaque cursor until the last page', async () => {
        await seed();
        const first = await store.list({}, { limit: 4 });
        expect(ids(first.items)).toEqual(['f', 'e', 'd', 'c']);
        expect(typeof first.nextCursor).toBe('string');
        const second = await store.list({}, { limit: 4, cursor: first.nextCursor });
        expect(ids(second.items)).toEqual(['b', 'a']);
        expect(second.nextCursor).toBeNull();

        const labelled = await store.list({ labels: { env: 'prod' } }, { limit: 1 });
        expect(ids(labelled.items)).toEqual(['f']);
        const next = await store.list(
          { labels: { env: 'prod' } },
          { limit: 2, cursor: labelled.nextCursor },
        );
        expect(ids(next.items)).toEqual(['e', 'b']);
        const exact = await store.list({ runbook: 'backup.md' }, { limit: 2 });
        expect(ids(exact.items)).toEqual(['e', 'c']);
        expect(exact.nextCursor).toBeNull();
      });

      it('leaves the output tails out when asked to', async () => {
        const run = await make({
          id: 'tails',
          stdout: 'out',
          stderr: 'err',
          labels: { env: 'prod' },
        });
        expect((await store.list()).items).toEqual([run]);
        const expected = { ...run, stdout: '', stderr: '' };
        expect((await store.list({}, { includeOutput: false })).items).toEqual([expected]);
        expect(
          (await store.list({ labels: { env: 'prod' } }, { includeOutput: false })).items,
        ).toEqual([expected]);
      });

      it('rejects bad cursors, statuses, timestamps and limits; clamps the page size', async () => {
        await seed();
        await expectCode(store.list({}, { cursor: 'not-a-cursor' }), 'INVALID_CURSOR');
        await expectCode(
          store.list({}, { cursor: Buffer.from('{"a":1}').toString('base64url') }),
          'INVALID_CURSOR',
        );
        await expectCode(store.list({ status: 'paused' as RunStatus }), 'INVALID_FILTER');
        await expectCode(store.list({ createdFrom: 'last week' }), 'INVALID_FILTER');
        await expectCode(store.list({}, { limit: Number.NaN }), 'INVALID_FILTER');
        expect((await store.list({}, { limit: 0 })).items).toHaveLength(1);
        expect((await store.list({}, { limit: 10_000 })).items).toHaveLength(6);
      });

      it.each([
        ['the planner of its choice', undefined],
        ['labels checked per row when a runs index can drive', 1],
      ])('matches a model of filter + sort + keyset paging (%s)', async (_plan, labelHitsCap) => {
        await store.close();
        store = await factory({
          now: () => new Date(clockMs),
          tailBytes: TAIL_BYTES,
          labelHitsCap,
        });
        const runbooks = ['a.md', 'b.md', 'c.md'];
        const statuses: ('queued' | 'denied')[] = ['queued', 'denied'];
        const users = ['u1', 'u2'];
        const model: Run[] = [];
        for (let index = 0; index < 40; index += 1) {
          const labels: Record<string, string> = {};
          if (index % 2 === 0) labels['env'] = index % 4 === 0 ? 'prod' : 'dev';
          if (index % 3 === 0) labels['tier'] = 'x';
          model.push(
            await make({
              id: `m${String((index * 7) % 40).padStart(2, '0')}`,
              runbook: runbooks[index % 3] ?? 'a.md',
              requestedBy: users[index % 2] ?? 'u1',
              status: statuses[Math.floor(index / 2) % 2] ?? 'queued',
              labels,
              // Many equal timestamps so the id tie-break is exercised.
              createdAt: iso(Math.floor(index / 3) * 1000),
            }),
          );
        }
        const filterArb = fc.record(
          {
            runbook: fc.constantFrom(...runbooks),
            status: fc.subarray(statuses),
            requestedBy: fc.constantFrom(...users),
            labels: fc.constantFrom<Record<string, string>>(
              { env: 'prod' },
              { env: 'dev' },
              { tier: 'x' },
              { env: 'prod', tier: 'x' },
              { tier: 'x', env: 'prod' },
              { env: 'none' },
            ),
            createdFrom: fc.integer({ min: 0, max: 14 }).map((n) => iso(n * 1000)),
            createdTo: fc.integer({ min: 0, max: 14 }).map((n) => iso(n * 1000)),
          },
          { requiredKeys: [] },
        );
        await fc.assert(
          fc.asyncProperty(filterArb, fc.integer({ min: 1, max: 7 }), async (filter, limit) => {
            const expected = model
              .filter((run) => filter.runbook === undefined || run.runbook === filter.runbook)
              .filter(
                (run) =>
                  filter.status === undefined ||
                  filter.status.length === 0 ||
                  (filter.status as RunStatus[]).includes(run.status),
              )
              .filter(
                (run) => filter.requestedBy === undefined || run.requestedBy === filter.requestedBy,
              )
              .filter((run) =>
                Object.entries(filter.labels ?? {}).every(([k, v]) => run.labels[k] === v),
              )
              .filter(
                (run) => filter.createdFrom === undefined || run.createdAt >= filter.createdFrom,
              )
              .filter((run) => filter.createdTo === undefined || run.createdAt < filter.createdTo)
              .sort((x, y) =>
                x.createdAt === y.createdAt
                  ? x.id < y.id
                    ? 1
                    : -1
                  : x.createdAt < y.createdAt
                    ? 1
                    : -1,
              )
              .map((run) => run.id);
            const seen: string[] = [];
            let cursor: string | null = null;
            for (let pages = 0; pages < 50; pages += 1) {
              const page = await store.list(filter, { limit, cursor });
              expect(page.items.length).toBeLessThanOrEqual(limit);
              seen.push(...ids(page.items));
              cursor = page.nextCursor;
              if (cursor === null) break;
            }
            expect(seen).toEqual(expected);
          }),
          { numRuns: 60, seed: 20260301 },
        );
      });
    });

    describe('outbox', () => {
      let outbox: RunStore & RunEventOutbox;
      const ofRun = (events: RunEvent[], id: string): RunEvent[] =>
        events.filter((event) => event.payload.id === id);

      beforeEach(async () => {
        await store.close();
        store = await factory({
          now: () => new Date(clockMs),
          tailBytes: TAIL_BYTES,
          outbox: true,
        });
        outbox = withOutbox(store);
      });

      it('writes one event per state change, numbered per run from 1', async () => {
        await make({ id: 'e1', labels: { env: 'prod' }, envVarNames: ['SECRET_NAME'] });
        await make({ id: 'e2', status: 'denied', returnCode: 403 });
        tick();
        const claimed = await store.claim('e1', { workerId: 'w' });
        expect(await store.claim('e1', { workerId: 'other' })).toBeNull();
        expect(await store.heartbeat('e1', 1)).toBe(true);
        await store.appendOutput('e1', [{ stream: 'stdout', data: 'hi\n' }]);
        expect((await store.transition('e1', 0, ['running'], 'success')).applied).toBe(false);
        tick();
        await store.transition('e1', claimed?.attempt ?? -1, ['running'], 'failure', {
          returnCode: 2,
        });

        const events = await outbox.readOutbox();
        expect(events.map((event) => [event.payload.id, event.event_type, event.seq])).toEqual([
          ['e1', 'create', 1],
          ['e2', 'create', 1],
          ['e1', 'update', 2],
          ['e1', 'update', 3],
        ]);
        expect(new Set(events.map((event) => event.event_id)).size).toBe(4);
        for (const event of events) expect(event.event_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(events[0]?.payload).toEqual({
          id: 'e1',
          runbook: 'deploy.md',
          operation: 'execute',
          status: 'queued',
          attempt: 0,
          return_code: null,
          requested_by: 'alice',
          correlation_id: 'e1',
          labels: { env: 'prod' },
          created_at: iso(0),
          started_at: null,
          finished_at: null,
          updated_at: iso(0),
          trigger: 'api',
          client: null,
          waiting_for: null,
          queue_position: null,
        });
        expect(events[1]?.payload).toMatchObject({ status: 'denied', return_code: 403 });
        expect(events[2]?.payload).toMatchObject({
          status: 'running',
          attempt: 1,
          started_at: iso(1000),
        });
        expect(events[3]?.payload).toMatchObject({
          status: 'failure',
          return_code: 2,
          finished_at: iso(2000),
          updated_at: iso(2000),
        });
        expect(JSON.stringify(events)).not.toContain('SECRET_NAME');
      });

      it('gives every event the run as the change left it, keys in one order', async () => {
        const payloadOf = (run: Run | null): RunEvent['payload'] | null =>
          run && {
            id: run.id,
            runbook: run.runbook,
            operation: run.operation,
            status: run.status,
            attempt: run.attempt,
            return_code: run.returnCode,
            requested_by: run.requestedBy,
            correlation_id: run.correlationId,
            labels: run.labels,
            created_at: run.createdAt,
            started_at: run.startedAt,
            finished_at: run.finishedAt,
            updated_at: run.updatedAt,
            trigger: run.trigger,
            client: run.client,
            waiting_for: run.waitingFor,
            queue_position: run.queuePosition,
          };
        const labels = { env: 'prod', 'note.ü': 'a "quote", a \\ and\na line 😀 <&>' };
        const created = await make({
          id: 'k1',
          operation: 'validate',
          labels,
          correlationId: 'c',
          trigger: 'mcp',
          client: 'agent "ü"/1.0',
        });
        tick();
        const claimed = await store.claim('k1', { workerId: 'w' });
        tick();
        const requeued = await store.requeue('k1', claimed?.attempt ?? -1, { errors: ['x'] });
        const reclaimed = await store.claim('k1', { workerId: 'w2' });
        tick();
        const finished = await store.transition(
          'k1',
          reclaimed?.attempt ?? -1,
          ['running'],
          'failure',
          {
            returnCode: -3,
            canceledBy: 'bob',
          },
        );
        const runs = [created, claimed, requeued.run, reclaimed, finished.run];
        const events = await outbox.readOutbox();
        expect(events.map((event) => event.payload)).toStrictEqual(runs.map(payloadOf));
        for (const event of events) {
          expect(Object.keys(event.payload)).toEqual(Object.keys(payloadOf(created) ?? {}));
        }
        expect(events.map((event) => event.payload.return_code)).toEqual([
          null,
          null,
          null,
          null,
          -3,
        ]);
      });

      it('writes an update event when a run is requeued for a retry', async () => {
        await make({ id: 'e3' });
        const claimed = await store.claim('e3', { workerId: 'w' });
        tick();
        await store.requeue('e3', claimed?.attempt ?? -1);
        const events = await outbox.readOutbox();
        expect(events.map((event) => [event.event_type, event.seq, event.payload.status])).toEqual([
          ['create', 1, 'queued'],
          ['update', 2, 'running'],
          ['update', 3, 'queued'],
        ]);
      });

      it('writes nothing for a change that fails or is refused', async () => {
        await make({ id: 'f1' });
        await expectCode(make({ id: 'f1' }), 'RUN_EXISTS');
        await expectCode(make({ id: 'f2', envVarNames: ['A=b'] }), 'INVALID_RUN');
        expect(await store.claim('missing', { workerId: 'w' })).toBeNull();
        await store.transition('f1', 3, ['queued'], 'canceled');
        await store.transition('nope', 0, ['queued'], 'canceled');
        expect((await outbox.readOutbox()).map((event) => event.seq)).toEqual([1]);
      });

      it('reads in order with a limit and forgets what was published', async () => {
        for (const id of ['p1', 'p2', 'p3']) await make({ id });
        await store.transition('p1', 0, ['queued'], 'canceled', { canceledBy: 'bob' });
        const first = await outbox.readOutbox(2);
        expect(first.map((event) => event.payload.id)).toEqual(['p1', 'p2']);
        expect(await outbox.markPublished(first.map((event) => event.event_id))).toBe(2);
        expect(await outbox.markPublished(first.map((event) => event.event_id))).toBe(0);
        expect(await outbox.markPublished([])).toBe(0);
        const rest = await outbox.readOutbox(0);
        expect(rest.map((event) => [event.payload.id, event.seq])).toEqual([['p3', 1]]);
        const all = await outbox.readOutbox(5000);
        expect(all.map((event) => [event.payload.id, event.seq, event.payload.status])).toEqual([
          ['p3', 1, 'queued'],
          ['p1', 2, 'canceled'],
        ]);
        const many = Array.from({ length: 450 }, (_, index) => `x-${index}`);
        expect(await outbox.markPublished([...many, ...all.map((event) => event.event_id)])).toBe(
          2,
        );
        expect(await outbox.readOutbox()).toEqual([]);
      });

      it('keeps each run in seq order when changes race', async () => {
        const ids = Array.from({ length: 8 }, (_, index) => `r${index}`);
        for (const id of ids) await make({ id });
        await Promise.all(
          ids.map(async (id) => {
            const claims = await Promise.all([
              store.claim(id, { workerId: 'a' }),
              store.claim(id, { workerId: 'b' }),
            ]);
            const attempt = claims.find((claim) => claim !== null)?.attempt ?? -1;
            await Promise.all([
              store.transition(id, attempt, ['running'], 'success', { returnCode: 0 }),
              store.transition(id, attempt, ['running'], 'timeout'),
            ]);
          }),
        );
        const events = await outbox.readOutbox(1000);
        expect(events).toHaveLength(ids.length * 3);
        for (const id of ids) {
          const run = ofRun(events, id);
          expect(run.map((event) => event.seq)).toEqual([1, 2, 3]);
          expect(run.map((event) => event.payload.status)).toEqual([
            'queued',
            'running',
            (await store.get(id))?.status,
          ]);
        }
      });

      it('can be switched off', async () => {
        await store.close();
        store = await factory({
          now: () => new Date(clockMs),
          tailBytes: TAIL_BYTES,
          outbox: false,
        });
        await make({ id: 'quiet' });
        const quiet = withOutbox(store);
        await expectCode(quiet.readOutbox(), 'OUTBOX_DISABLED');
        await expectCode(quiet.markPublished(['x']), 'OUTBOX_DISABLED');
      });
    });

    describeRunSlots({ store: () => store, tick });

    describe('close', () => {
      it('refuses work once closed and tolerates a second close', async () => {
        await store.close();
        await store.close();
        await expectCode(store.get('x'), 'STORE_CLOSED');
        await expectCode(make(), 'STORE_CLOSED');
        // Re-open for afterEach.
        store = await factory({ now: () => new Date(clockMs), tailBytes: TAIL_BYTES });
      });
    });
  });
}
