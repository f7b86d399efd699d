import type { RunAccepted, RunRecord } from '@runbooks/types';

import type { ApiServer } from '../support/api-server';
import { call } from '../support/http-client';
import { runbookText } from '../support/runbook-text';
import { waitFor } from '../support/wait-for';
import { Cluster } from './cluster';

/** 2 API instances and 1 worker: approvals sent to any instance count, and races end once. */
describe('approvals in the distributed mode (2 API + 1 worker)', () => {
  let cluster: Cluster;
  let api1: ApiServer;
  let api2: ApiServer;
  let alice: string;
  let carol: string;
  let dave: string;

  beforeAll(async () => {
    cluster = await Cluster.create({
      'Pair.md': runbookText({
        name: 'Pair',
        env: { TARGET: 'What to work on' },
        approval: 'approvers:\n  roles: lead\ncount: 2',
        script: 'echo "working on $TARGET"',
      }),
      'One.md': runbookText({
        name: 'One',
        approval: 'approvers:\n  roles: lead',
        script: 'echo once',
      }),
      'Brief.md': runbookText({
        name: 'Brief',
        approval: 'approvers:\n  roles: lead\nexpires_after: 2s',
        script: 'echo never',
      }),
    });
    [api1, api2] = await Promise.all([
      cluster.start('api'),
      cluster.start('api'),
      cluster.start('worker', { MAX_CONCURRENT_RUNS: '4' }),
    ]);
    alice = api1.token({ sub: 'alice', roles: ['sre'] });
    carol = api1.token({ sub: 'carol', roles: ['lead'] });
    dave = api1.token({ sub: 'dave', roles: ['lead'] });
  }, 120_000);

  afterAll(async () => {
    await cluster?.destroy();
  }, 60_000);

  const request = async (server: ApiServer, runbook: string, env: Record<string, string> = {}) => {
    const response = await call<RunAccepted>(server, `/api/runbooks/${runbook}/execute`, {
      method: 'POST',
      token: alice,
      json: { env_vars: env },
    });
    expect(response.status).toBe(202);
    expect(response.body.status).toBe('pending_approval');
    return response.body.run_id;
  };
  const decide = (server: ApiServer, id: string, token: string, action = 'approve') =>
    call<RunRecord>(server, `/api/runs/${id}/${action}`, {
      method: 'POST',
      token,
      json: action === 'reject' ? { reason: 'not now' } : {},
    });
  const ended = (server: ApiServer, id: string) =>
    waitFor(
      async () => {
        const run = (await call<RunRecord>(server, `/api/runs/${id}`, { token: carol })).body;
        return ['pending_approval', 'queued', 'running'].includes(run.status) ? null : run;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `run ${id} to end` },
    );

  it('a run requested on API #1 is approved on both APIs and runs once with its variables', async () => {
    const id = await request(api1, 'Pair.md', { TARGET: 'db-7' });
    const first = await decide(api1, id, carol);
    expect(first.body.status).toBe('pending_approval');
    const second = await decide(api2, id, dave);
    expect(second.status).toBe(200);
    const run = await ended(api1, id);
    expect(run).toMatchObject({ status: 'success', attempt: 1, requested_by: 'alice' });
    expect(run.stdout).toBe('working on db-7\n');
    expect(run.approval?.approvals.map((entry) => entry.by)).toEqual(['carol', 'dave']);
  });

  it('two approvers at the same moment on two APIs start the run once', async () => {
    const id = await request(api1, 'One.md');
    const answers = await Promise.all([decide(api1, id, carol), decide(api2, id, dave)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const run = await ended(api2, id);
    expect(run).toMatchObject({ status: 'success', attempt: 1, stdout: 'once\n' });
    expect(run.approval?.approvals).toHaveLength(1);
    const events = await cluster.eventsOf(id, 5, 30_000);
    expect(events.filter((event) => event.payload.status === 'running')).toHaveLength(1);
  });

  it('a reject racing an approve ends with exactly one outcome', async () => {
    const id = await request(api2, 'One.md');
    const answers = await Promise.all([
      decide(api1, id, carol, 'reject'),
      decide(api2, id, dave, 'approve'),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    const run = await ended(api1, id);
    const winner = answers.find((answer) => answer.status === 200);
    expect(['rejected', 'success']).toContain(run.status);
    if (run.status === 'rejected') {
      expect(winner?.body.status).toBe('rejected');
      expect(run.started_at).toBeNull();
    } else {
      expect(run.approval?.rejected_by).toBeNull();
      expect(run.attempt).toBe(1);
    }
  });

  it('an undecided request expires within seconds, whichever API is up', async () => {
    const id = await request(api1, 'Brief.md');
    await api1.stop('SIGKILL');
    const run = await ended(api2, id);
    expect(run.status).toBe('expired');
    expect(
      Date.parse(run.finished_at ?? '') - Date.parse(run.approval?.expires_at ?? ''),
    ).toBeLessThan(5000);
  });
});
