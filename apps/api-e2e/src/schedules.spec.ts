import type { RunRecord, ScheduleListResponse } from '@runbooks/types';

import { makeDirs, startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { duplicateFires, gapsIn, runsOf, scheduledRunbook } from './support/schedule-runs';
import { waitFor } from './support/wait-for';

const EVERY_2S = "cron: '*/2 * * * * *'";

describe('schedules (embedded)', () => {
  let server: ApiServer;
  let admin: string;

  beforeAll(async () => {
    server = await startApi({
      samples: false,
      runbooks: {
        'Tick.md': scheduledRunbook('Tick', EVERY_2S),
        'Slow.md': scheduledRunbook('Slow', `${EVERY_2S}\noverlap: skip`, 'sleep 5; echo slow'),
        'Guarded.md': scheduledRunbook('Guarded', EVERY_2S, 'echo no', 'roles: sre'),
        'Broken.md': scheduledRunbook('Broken', "cron: '61 * * * *'"),
        'Gated.md': scheduledRunbook('Gated', EVERY_2S, 'echo approved').replace(
          '# Script',
          '# Approval\n```yaml\napprovers:\n  roles: [lead]\n```\n# Script',
        ),
        'Plain.md': scheduledRunbook('Plain', EVERY_2S).replace(
          /# Schedule\n```yaml\n[^`]*```\n/,
          '',
        ),
      },
    });
    admin = server.token({ sub: 'admin-1', roles: ['admin'] });
  }, 60_000);

  afterAll(async () => {
    await stopAllServers();
  });

  it('fires once per fire time, as the scheduler, with the fire time on the record', async () => {
    const runs = await waitFor(
      async () => {
        const found = await runsOf(server, admin, 'Tick.md');
        return found.filter((run) => run.status === 'success').length >= 4 ? found : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'four scheduled runs of Tick.md' },
    );
    expect(duplicateFires(runs)).toEqual([]);
    expect(gapsIn(runs, 2000)).toEqual([]);
    for (const run of runs) {
      expect(run).toMatchObject({ trigger: 'schedule', requested_by: 'scheduler', missed: false });
      expect(run.scheduled_for).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]\.000Z$/);
    }
  }, 40_000);

  it('a scheduled run of a runbook with an Approval section waits for approval too', async () => {
    const runs = await waitFor(
      async () => {
        const found = await runsOf(server, admin, 'Gated.md');
        return found.length >= 2 ? found : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'two fires of Gated.md' },
    );
    for (const run of runs) {
      expect(run).toMatchObject({
        trigger: 'schedule',
        requested_by: 'scheduler',
        status: 'pending_approval',
        approval: { required: 1, approvers: { roles: ['lead'] }, approvals: [] },
      });
    }
  }, 40_000);

  it('API runs have trigger api and no fire time', async () => {
    const executed = await call(server, '/api/runbooks/Plain.md/execute', {
      method: 'POST',
      token: admin,
      json: {},
      headers: { Accept: 'application/json' },
    });
    expect(executed.status).toBe(200);
    const [run] = await runsOf(server, admin, 'Plain.md');
    expect(run).toMatchObject({ trigger: 'api', scheduled_for: null, missed: false });
  });

  it('overlap skip: a fire while the previous run is still running is recorded as skipped', async () => {
    const runs = await waitFor(
      async () => {
        const found = await runsOf(server, admin, 'Slow.md');
        return found.some((run) => run.status === 'skipped') ? found : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'a skipped fire of Slow.md' },
    );
    const skipped = runs.filter((run) => run.status === 'skipped');
    expect(skipped[0]?.errors.join('\n')).toMatch(
      /previous scheduled run .* is still (running|queued)/,
    );
    expect(skipped[0]).toMatchObject({ trigger: 'schedule', requested_by: 'scheduler' });
    expect(duplicateFires(runs)).toEqual([]);
    const active = runs.filter((run) => run.status === 'running' || run.status === 'queued');
    expect(active.length).toBeLessThanOrEqual(1);
  }, 40_000);

  it('RBAC: fires of a runbook the scheduler may not run are recorded as denied', async () => {
    const runs = await waitFor(
      async () => {
        const found = await runsOf(server, admin, 'Guarded.md');
        return found.length >= 2 ? found : null;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'denied fires of Guarded.md' },
    );
    for (const run of runs) {
      expect(run).toMatchObject({
        status: 'denied',
        trigger: 'schedule',
        requested_by: 'scheduler',
      });
      expect(run.scheduled_for).not.toBeNull();
      expect(run.errors.join('\n')).toContain('RBAC check failed for execute');
    }
    const schedules = await call<ScheduleListResponse>(server, '/api/schedules', { token: admin });
    expect(schedules.body.data.find((s) => s.runbook === 'Guarded.md')).toMatchObject({
      authorized: false,
      error: null,
      last_status: 'denied',
    });
  }, 30_000);

  it('GET /api/schedules lists schedules with their next and last fire; an invalid one never fires', async () => {
    const response = await call<ScheduleListResponse>(server, '/api/schedules', { token: admin });
    expect(response.status).toBe(200);
    const byName = new Map(response.body.data.map((s) => [s.runbook, s]));
    expect([...byName.keys()].sort()).toEqual([
      'Broken.md',
      'Gated.md',
      'Guarded.md',
      'Slow.md',
      'Tick.md',
    ]);
    const tick = byName.get('Tick.md');
    expect(tick).toMatchObject({
      cron: '*/2 * * * * *',
      timezone: 'UTC',
      enabled: true,
      authorized: true,
      error: null,
    });
    expect(Date.parse(tick?.next_fire_at ?? '')).toBeGreaterThan(Date.now() - 1000);
    expect(tick?.last_run_id).toEqual(expect.any(String));
    expect(byName.get('Broken.md')).toMatchObject({
      cron: null,
      next_fire_at: null,
      authorized: true,
    });
    expect(byName.get('Broken.md')?.error).toContain('Invalid value for minute');
    expect(await runsOf(server, admin, 'Broken.md')).toEqual([]);
    // A caller without the Guarded runbook's claims does not see its schedule.
    const viewer = server.token({ sub: 'viewer-1', roles: ['viewer'] });
    const visible = await call<ScheduleListResponse>(server, '/api/schedules', { token: viewer });
    expect(visible.body.data.map((s) => s.runbook)).not.toContain('Guarded.md');
    expect((await call(server, '/api/schedules')).status).toBe(401);
    const metrics = await call(server, '/metrics');
    expect(metrics.text).toMatch(
      /runbook_schedule_fires_total\{runbook="Tick.md",outcome="started"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /runbook_schedule_fires_total\{runbook="Guarded.md",outcome="denied"\} \d+/,
    );
    expect(metrics.text).toMatch(/runbook_schedules_in_error 1/);
    expect(metrics.text).toContain('runbook_schedule_lag_seconds_bucket');
  });

  it('picks up an edited cron within 5 seconds, and a removed schedule stops firing', async () => {
    server.writeRunbook('Tick.md', scheduledRunbook('Tick', "cron: '*/5 * * * * *'"));
    const editedAt = Date.now();
    const runs = await waitFor(
      async () => {
        const found = await runsOf(server, admin, 'Tick.md');
        const after = found.filter((run) => Date.parse(run.scheduled_for ?? '') > editedAt + 5000);
        return after.length >= 2 ? after : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'fires of the edited cron' },
    );
    for (const run of runs) expect(new Date(run.scheduled_for ?? '').getUTCSeconds() % 5).toBe(0);
    server.writeRunbook(
      'Tick.md',
      scheduledRunbook('Tick', EVERY_2S).replace(/# Schedule\n```yaml\n[^`]*```\n/, ''),
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const before = (await runsOf(server, admin, 'Tick.md')).length;
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect((await runsOf(server, admin, 'Tick.md')).length).toBe(before);
  }, 60_000);
});

describe('schedules: the scheduler stopped and restarted (embedded)', () => {
  afterAll(async () => {
    await stopAllServers();
  }, 30_000);

  it('records missed fires per policy: one catch-up run (missed: true), the others skipped', async () => {
    const runbooks = {
      'Once.md': scheduledRunbook('Once', `${EVERY_2S}\nmissed: run_once`),
      'Never.md': scheduledRunbook('Never', `${EVERY_2S}\nmissed: skip`),
    };
    const dirs = makeDirs(false);
    const first = await startApi({ samples: false, runbooks, dirs });
    const admin = first.token({ sub: 'admin-1', roles: ['admin'] });
    await waitFor(async () => (await runsOf(first, admin, 'Once.md')).length >= 2, {
      timeoutMs: 20_000,
      intervalMs: 500,
      what: 'fires before the stop',
    });
    await first.stop();
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const second = await startApi({ samples: false, dirs });
    const startedAt = Date.now();
    const token = second.token({ sub: 'admin-1', roles: ['admin'] });
    const check = async (filename: string): Promise<RunRecord[]> => {
      const runs = await waitFor(
        async () => {
          const found = await runsOf(second, token, filename);
          const recent = found.filter(
            (run) => Date.parse(run.scheduled_for ?? '') > startedAt + 2000,
          );
          return recent.length >= 1 ? found : null;
        },
        { timeoutMs: 20_000, intervalMs: 500, what: `fires of ${filename} after the restart` },
      );
      expect(duplicateFires(runs)).toEqual([]);
      expect(gapsIn(runs, 2000)).toEqual([]);
      return runs;
    };
    const inDowntime = (runs: RunRecord[]) =>
      runs.filter((run) => {
        const at = Date.parse(run.scheduled_for ?? '');
        return at > stoppedAt + 1000 && at < startedAt - 6000;
      });
    const once = await check('Once.md');
    const caughtUp = once.filter((run) => run.missed);
    expect(caughtUp).toHaveLength(1);
    const caughtUpAt = caughtUp[0]?.scheduled_for ?? '';
    expect(caughtUp[0]?.status).toBe('success');
    expect(inDowntime(once).length).toBeGreaterThanOrEqual(3);
    for (const run of inDowntime(once).filter((r) => !r.missed)) {
      expect(run.status).toBe('skipped');
      expect(run.scheduled_for! < caughtUpAt).toBe(true);
      expect(run.errors.join('\n')).toContain('Missed: no scheduler was up');
    }
    for (const run of once.filter((r) => (r.scheduled_for ?? '') > caughtUpAt)) {
      expect(run.errors.join('\n')).not.toContain('Missed');
    }
    const never = await check('Never.md');
    expect(never.filter((run) => run.missed)).toEqual([]);
    expect(inDowntime(never).length).toBeGreaterThanOrEqual(3);
    for (const run of inDowntime(never)) {
      expect(run).toMatchObject({ status: 'skipped', missed: false });
      expect(run.errors.join('\n')).toContain('(missed: skip)');
    }
  }, 90_000);
});
