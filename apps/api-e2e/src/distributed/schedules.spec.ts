import type { RunRecord } from '@runbooks/types';

import type { ApiServer } from '../support/api-server';
import { duplicateFires, gapsIn, runsOf, scheduledRunbook } from '../support/schedule-runs';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';

const EVERY_2S = "cron: '*/2 * * * * *'";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fires in [fromMs, toMs). */
function firesBetween(runs: RunRecord[], fromMs: number, toMs: number): RunRecord[] {
  return runs.filter((run) => {
    const at = Date.parse(run.scheduled_for ?? '');
    return at >= fromMs && at < toMs;
  });
}

/**
 * Distributed mode: two API instances both run the scheduler and two workers run the scripts;
 * the run store's unique (runbook, fire time) key makes every fire exactly one run.
 */
describe('distributed mode: schedules', () => {
  let cluster: Cluster;
  let apis: ApiServer[];
  let token: string;

  beforeAll(async () => {
    cluster = await Cluster.create({
      'Every2.md': scheduledRunbook('Every2', EVERY_2S),
      'Queued.md': scheduledRunbook('Queued', `${EVERY_2S}\noverlap: queue`, 'sleep 3; echo done'),
      'Slow.md': scheduledRunbook('Slow', `${EVERY_2S}\noverlap: skip`, 'sleep 5; echo slow'),
      'Guarded.md': scheduledRunbook('Guarded', EVERY_2S, 'echo no', 'roles: sre'),
      'Edited.md': scheduledRunbook('Edited', EVERY_2S),
    });
    apis = [await cluster.start('api'), await cluster.start('api')];
    await cluster.start('worker');
    await cluster.start('worker');
    token = apis[0]!.token({ sub: 'admin-1', roles: ['admin'] });
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  it('two schedulers for ~15 s: each fire time has exactly one run, no gaps', async () => {
    const from = Date.now() + 2000;
    await sleep(16_000);
    const to = Date.now() - 3000;
    const runs = await runsOf(apis[1]!, token, 'Every2.md');
    const window = firesBetween(runs, from, to);
    expect(window.length).toBeGreaterThanOrEqual(5);
    expect(duplicateFires(runs)).toEqual([]);
    expect(gapsIn(runs, 2000)).toEqual([]);
    await waitFor(
      async () => {
        const settled = firesBetween(await runsOf(apis[0]!, token, 'Every2.md'), from, to);
        return settled.every((run) => run.status === 'success');
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'every fire of the window to succeed' },
    );
  }, 60_000);

  it('overlap skip, RBAC denial and an edited cron, with two schedulers', async () => {
    const slow = await runsOf(apis[0]!, token, 'Slow.md');
    expect(duplicateFires(slow)).toEqual([]);
    expect(gapsIn(slow, 2000)).toEqual([]);
    const skipped = slow.filter((run) => run.status === 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    expect(skipped[0]?.errors.join('\n')).toMatch(/previous scheduled run .* is still/);
    expect(slow.filter((run) => run.status === 'running').length).toBeLessThanOrEqual(1);
    const guarded = await runsOf(apis[1]!, token, 'Guarded.md');
    expect(guarded.length).toBeGreaterThanOrEqual(3);
    expect(duplicateFires(guarded)).toEqual([]);
    for (const run of guarded) {
      expect(run).toMatchObject({
        status: 'denied',
        trigger: 'schedule',
        requested_by: 'scheduler',
      });
    }
    cluster.servers[0]!.writeRunbook(
      'Edited.md',
      scheduledRunbook('Edited', "cron: '*/5 * * * * *'"),
    );
    const editedAt = Date.now();
    const edited = await waitFor(
      async () => {
        const found = await runsOf(apis[0]!, token, 'Edited.md');
        const after = firesBetween(found, editedAt + 5000, Infinity);
        return after.length >= 2 ? found : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'fires of the edited cron' },
    );
    expect(duplicateFires(edited)).toEqual([]);
    for (const run of firesBetween(edited, editedAt + 5000, Infinity)) {
      expect(new Date(run.scheduled_for ?? '').getUTCSeconds() % 5).toBe(0);
    }
  }, 60_000);

  it('overlap queue: scheduled runs wait for the previous one and never overlap', async () => {
    const runs = await waitFor(
      async () => {
        const found = await runsOf(apis[0]!, token, 'Queued.md');
        return found.filter((run) => run.status === 'success').length >= 3 ? found : null;
      },
      { timeoutMs: 40_000, intervalMs: 500, what: 'three finished queued runs' },
    );
    expect(duplicateFires(runs)).toEqual([]);
    const finished = runs
      .filter((run) => run.started_at !== null && run.finished_at !== null)
      .sort((a, b) => (a.scheduled_for ?? '').localeCompare(b.scheduled_for ?? ''));
    for (let index = 1; index < finished.length; index += 1) {
      // In fire order, each starts after the previous one finished (two workers were free).
      expect(finished[index]!.started_at! >= finished[index - 1]!.finished_at!).toBe(true);
    }
    expect(runs.some((run) => run.status === 'queued')).toBe(true);
    expect(runs.filter((run) => run.status === 'running').length).toBeLessThanOrEqual(1);
  }, 60_000);

  it('one scheduler stopped: the other keeps firing; both stopped and one restarted: missed fires per policy', async () => {
    await apis[0]!.stop();
    const oneDownFrom = Date.now();
    await sleep(6000);
    const oneDownTo = Date.now();
    await apis[1]!.stop();
    const allDownFrom = Date.now();
    await sleep(10_000);
    const restarted = await cluster.start('api');
    const restartedAt = Date.now();
    const runs = await waitFor(
      async () => {
        const found = await runsOf(restarted, token, 'Every2.md');
        return firesBetween(found, restartedAt + 2000, Infinity).length >= 1 ? found : null;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'fires after the restart' },
    );
    expect(duplicateFires(runs)).toEqual([]);
    expect(gapsIn(runs, 2000)).toEqual([]);
    // While one scheduler was up, nothing was missed.
    for (const run of firesBetween(runs, oneDownFrom, oneDownTo)) {
      expect(run.missed).toBe(false);
      expect(run.errors.join('\n')).not.toContain('Missed');
    }
    // While none was: run_once (the default) ran the latest missed fire, the others are skipped.
    const missed = firesBetween(runs, allDownFrom + 1000, restartedAt - 7000);
    expect(missed.length).toBeGreaterThanOrEqual(2);
    const caughtUp = runs.filter((run) => run.missed);
    expect(caughtUp).toHaveLength(1);
    for (const run of missed.filter((r) => !r.missed)) {
      expect(run.status).toBe('skipped');
      expect(run.errors.join('\n')).toContain('Missed: no scheduler was up');
    }
  }, 90_000);
});
