import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { RunAccepted, RunListResponse, RunRecord } from '@runbooks/types';

import { makeDirs, startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { runbookText } from './support/runbook-text';
import { doneOf, LiveStream } from './support/sse';
import { waitFor } from './support/wait-for';

const GATE = 'approvers:\n  roles: [lead]\ncount: 2\nexpires_after: 1h';

const RUNBOOKS = {
  'Gated.md': runbookText({
    name: 'Gated',
    env: { GREETING: 'What to say' },
    claims: { roles: 'sre' },
    approval: GATE,
    script: 'echo "said $GREETING"',
  }),
  'Single.md': runbookText({
    name: 'Single',
    claims: { roles: 'sre' },
    approval: 'approvers:\n  roles: lead',
    script: 'echo single',
  }),
  'Brief.md': runbookText({
    name: 'Brief',
    approval: 'approvers:\n  roles: lead\nexpires_after: 2s',
    script: 'echo never',
  }),
  'SelfOk.md': runbookText({
    name: 'SelfOk',
    approval: 'approvers:\n  roles: lead\nallow_self_approval: true',
    script: 'echo self',
  }),
  'Typo.md': runbookText({
    name: 'Typo',
    approval: 'approvers:\n  roles: lead\ncount: 9',
    script: 'echo never',
  }),
};

/** SHA-256 of the file before its `# History` line, as the server records it. */
function digestBeforeHistory(text: string): string {
  const cut = text.indexOf('\n# History\n');
  return createHash('sha256')
    .update(cut < 0 ? text : text.slice(0, cut + 1))
    .digest('hex');
}

describe('approvals (embedded)', () => {
  let server: ApiServer;
  let alice: string; // sre: requests runs
  let bob: string; // sre, not an approver
  let carol: string; // lead (and sre)
  let dave: string; // lead only: sees gated runs through the approver claims
  let eve: string; // neither

  beforeAll(async () => {
    server = await startApi({ runbooks: RUNBOOKS, samples: false });
    alice = server.token({ sub: 'alice', roles: ['sre'] });
    bob = server.token({ sub: 'bob', roles: ['sre'] });
    carol = server.token({ sub: 'carol', roles: ['sre', 'lead'] });
    dave = server.token({ sub: 'dave', roles: ['lead'] });
    eve = server.token({ sub: 'eve', roles: ['dev'] });
  });
  afterAll(stopAllServers);

  const request = (
    filename: string,
    token: string,
    json: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) =>
    call<RunAccepted>(server, `/api/runbooks/${filename}/execute`, {
      method: 'POST',
      token,
      json,
      headers,
    });
  const getRun = (id: string, token = carol) =>
    call<RunRecord>(server, `/api/runs/${id}`, { token });
  const decide = (id: string, action: 'approve' | 'reject', token: string, json: unknown = {}) =>
    call<RunRecord & { error?: string }>(server, `/api/runs/${id}/${action}`, {
      method: 'POST',
      token,
      json,
    });
  const settled = (id: string, token = carol) =>
    waitFor(
      async () => {
        const run = (await getRun(id, token)).body;
        return ['queued', 'running', 'pending_approval'].includes(run.status) ? null : run;
      },
      { what: `run ${id} to end` },
    );

  it('execute answers 202 pending_approval at once, whatever Accept asks, and keeps the variables', async () => {
    const response = await request(
      'Gated.md',
      alice,
      { env_vars: { GREETING: 'hello' } },
      { Accept: 'text/event-stream' },
    );
    expect(response.status).toBe(202);
    const id = response.body.run_id;
    expect(response.headers.get('location')).toBe(`/api/runs/${id}`);
    expect(response.headers.get('x-run-id')).toBe(id);
    expect(response.body).toMatchObject({
      status: 'pending_approval',
      location: `/api/runs/${id}`,
      approval: { required: 2, approvers: { roles: ['lead'] }, approvals: [], rejected_by: null },
    });
    const run = (await getRun(id)).body;
    const text = readFileSync(join(server.dirs.runbooks, 'Gated.md'), 'utf8');
    expect(run.runbook_sha256).toBe(digestBeforeHistory(text));
    expect(run.env_var_names).toEqual(['GREETING']);
    const expiresIn = Date.parse(run.approval?.expires_at ?? '') - Date.parse(run.created_at);
    expect(expiresIn).toBe(3600_000);

    // The requester may not approve; a non-approver who sees the run may not; a stranger sees nothing.
    const self = await decide(id, 'approve', alice);
    expect(self.status).toBe(403);
    const notApprover = await decide(id, 'approve', bob);
    expect(notApprover.status).toBe(403);
    expect(notApprover.body.error).toMatch(/roles: lead/);
    expect((await decide(id, 'approve', eve)).status).toBe(404);
    expect((await getRun(id, eve)).status).toBe(404);
    expect((await decide('no-such-run', 'approve', carol)).status).toBe(404);
    // Distinct approvers are told apart by subject: a token without one cannot decide.
    const nameless = await decide(id, 'approve', server.token({ sub: '', roles: ['lead'] }));
    expect([401, 403]).toContain(nameless.status);

    // Followers wait (the stream stays open) until the run starts, then get its output.
    const stream = await LiveStream.open(`${server.url}/api/runs/${id}/events`, {
      headers: { Authorization: `Bearer ${carol}` },
    });

    // dave holds only the approver claims: he sees the run and it is listed for him.
    expect((await getRun(id, dave)).status).toBe(200);
    const listed = await call<RunListResponse>(server, '/api/approvals', { token: dave });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((item) => item.id)).toContain(id);
    expect(
      (await call<RunListResponse>(server, '/api/approvals', { token: alice })).body.data,
    ).toEqual([]);

    const first = await decide(id, 'approve', carol, { comment: 'looks right' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending_approval');
    expect(first.body.approval?.approvals.map(({ by, comment }) => ({ by, comment }))).toEqual([
      { by: 'carol', comment: 'looks right' },
    ]);
    expect((await decide(id, 'approve', carol)).status).toBe(409);
    const carolsList = await call<RunListResponse>(server, '/api/approvals', { token: carol });
    expect(carolsList.body.data.map((item) => item.id)).not.toContain(id);
    expect(stream.isEnded).toBe(false);

    const second = await decide(id, 'approve', dave);
    expect(second.status).toBe(200);
    expect(['queued', 'running', 'success']).toContain(second.body.status);
    const done = await settled(id);
    expect(done).toMatchObject({
      status: 'success',
      stdout: 'said hello\n',
      requested_by: 'alice',
    });
    const streamed = await stream.untilEnd();
    expect(streamed.events.some((event) => event.data.includes('said hello'))).toBe(true);
    expect(doneOf(streamed)).toMatchObject({ success: true });
    expect((await decide(id, 'approve', bob)).status).toBe(409);
    expect((await decide(id, 'reject', carol, { reason: 'late' })).status).toBe(409);

    // History names the approvers; the audit log has one record per decision with its sub.
    const after = readFileSync(join(server.dirs.runbooks, 'Gated.md'), 'utf8');
    expect(after).toContain('**Approval:** Approved by carol ("looks right"), dave');
    const audit = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { approval?: { run_id: string; by: string } });
    expect(
      audit.filter((record) => record.approval?.run_id === id).map((r) => r.approval?.by),
    ).toEqual(['carol', 'dave']);

    // A History append does not change the digest of the next request.
    const next = await request('Gated.md', alice, { env_vars: { GREETING: 'x' } });
    expect((await getRun(next.body.run_id)).body.runbook_sha256).toBe(run.runbook_sha256);
    expect(
      (
        await call(server, `/api/runs/${next.body.run_id}/cancel`, {
          method: 'POST',
          token: alice,
          json: {},
        })
      ).status,
    ).toBe(200);
  });

  it('reject needs a reason, ends the run rejected and ends its stream', async () => {
    const id = (await request('Single.md', alice)).body.run_id;
    const stream = await LiveStream.open(`${server.url}/api/runs/${id}/events`, {
      headers: { Authorization: `Bearer ${alice}` },
    });
    expect((await decide(id, 'reject', carol, {})).status).toBe(400);
    expect((await decide(id, 'reject', carol, { reason: '   ' })).status).toBe(400);
    expect((await decide(id, 'reject', carol, { reason: 'x'.repeat(501) })).status).toBe(400);
    expect((await decide(id, 'reject', alice, { reason: 'never mind' })).status).toBe(403);
    const rejected = await decide(id, 'reject', carol, { reason: 'not during the freeze' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      approval: { rejected_by: 'carol', reason: 'not during the freeze' },
    });
    expect(doneOf(await stream.untilEnd())).toMatchObject({ success: false });
    expect((await decide(id, 'approve', dave)).status).toBe(409);
    const text = readFileSync(join(server.dirs.runbooks, 'Single.md'), 'utf8');
    expect(text).toContain('**Approval:** Rejected by carol: not during the freeze');
    const filtered = await call<RunListResponse>(
      server,
      '/api/runs?filter[status]=pending_approval,rejected,expired',
      { token: carol },
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.data.map((item) => item.id)).toContain(id);
  });

  it('a request not decided in time ends expired', async () => {
    const id = (await request('Brief.md', alice)).body.run_id;
    const run = await waitFor(
      async () => {
        const current = (await getRun(id, alice)).body;
        return current.status === 'pending_approval' ? null : current;
      },
      { timeoutMs: 15_000, what: 'the request to expire' },
    );
    expect(run.status).toBe('expired');
    expect(
      Date.parse(run.finished_at ?? '') - Date.parse(run.approval?.expires_at ?? ''),
    ).toBeLessThan(5000);
    expect((await decide(id, 'approve', carol)).status).toBe(409);
    await waitFor(
      () =>
        readFileSync(join(server.dirs.runbooks, 'Brief.md'), 'utf8').includes(
          '**Approval:** Expired',
        ),
      { what: 'the History entry of the expired run' },
    );
  });

  it('a runbook changed after the request never starts: the approval ends it expired', async () => {
    const id = (await request('Single.md', alice)).body.run_id;
    const path = join(server.dirs.runbooks, 'Single.md');
    const text = readFileSync(path, 'utf8');
    server.writeRunbook('Single.md', text.replace('echo single', 'echo changed'));
    // Let the catalog see the edit (it re-reads a changed file within a few seconds).
    await waitFor(
      async () => {
        const detail = await call<{ content?: string }>(server, '/api/runbooks/Single.md', {
          token: carol,
        });
        return JSON.stringify(detail.body).includes('echo changed');
      },
      { what: 'the edit to be seen' },
    );
    const approved = await decide(id, 'approve', carol);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('expired');
    expect(approved.body.errors.join('\n')).toMatch(/runbook changed since the run was requested/);
    expect(approved.body.stdout).toBe('');
    server.writeRunbook('Single.md', text);
  });

  it('the requester cancels a pending request; self-approval works only when allowed', async () => {
    const carols = (await request('Single.md', carol)).body.run_id;
    const self = await decide(carols, 'approve', carol);
    expect(self.status).toBe(403);
    expect(self.body.error).toMatch(/four-eyes/);
    expect((await decide(carols, 'reject', carol, { reason: 'oops' })).body.error).toMatch(
      /cancel it/,
    );
    const withdrawn = await call<RunRecord>(server, `/api/runs/${carols}/cancel`, {
      method: 'POST',
      token: carol,
      json: {},
    });
    expect(withdrawn.body.status).toBe('canceled');
    const id = (await request('Single.md', alice)).body.run_id;
    expect(
      (await call(server, `/api/runs/${id}/cancel`, { method: 'POST', token: bob, json: {} }))
        .status,
    ).toBe(403);
    const canceled = await call<RunRecord>(server, `/api/runs/${id}/cancel`, {
      method: 'POST',
      token: alice,
      json: { reason: 'wrong target' },
    });
    expect(canceled.body).toMatchObject({ status: 'canceled', canceled_by: 'alice' });

    const own = (await request('SelfOk.md', dave)).body.run_id;
    const listed = await call<RunListResponse>(server, '/api/approvals', { token: dave });
    expect(listed.body.data.map((item) => item.id)).toContain(own);
    expect((await decide(own, 'approve', dave)).status).toBe(200);
    expect((await settled(own, dave)).status).toBe('success');
  });

  it('an unreadable Approval section fails validation and refuses every run', async () => {
    const validation = await call<{ errors: string[] }>(server, '/api/runbooks/Typo.md/validate', {
      method: 'PATCH',
      token: carol,
      json: {},
    });
    expect(validation.status).toBe(400);
    expect(validation.body.errors.join('\n')).toMatch(/Approval: count must be/);
    const refused = await call<{ success: boolean }>(server, '/api/runbooks/Typo.md/execute', {
      method: 'POST',
      token: carol,
      json: {},
    });
    expect(refused.status).toBe(200);
    expect(refused.body.success).toBe(false);
    const pending = await call<RunListResponse>(
      server,
      '/api/runs?filter[status]=pending_approval&filter[runbook]=Typo.md',
      { token: carol },
    );
    expect(pending.body.data).toEqual([]);
    appendFileSync(join(server.dirs.runbooks, 'Typo.md'), '');
  });
});

describe('approvals across a restart (embedded)', () => {
  afterAll(stopAllServers);

  it('a request left waiting by a stopped server expires at the next start', async () => {
    const dirs = makeDirs(false);
    writeFileSync(join(dirs.runbooks, 'Single.md'), RUNBOOKS['Single.md']);
    const first = await startApi({ dirs });
    const alice = first.token({ sub: 'alice', roles: ['sre'] });
    const accepted = await call<RunAccepted>(first, '/api/runbooks/Single.md/execute', {
      method: 'POST',
      token: alice,
      json: {},
    });
    expect(accepted.status).toBe(202);
    await first.stop();
    const second = await startApi({ dirs: first.dirs, env: { JWT_SECRET: first.secret } });
    const run = await call<RunRecord>(second, `/api/runs/${accepted.body.run_id}`, {
      token: second.token({ sub: 'alice', roles: ['sre'] }),
    });
    expect(run.body.status).toBe('expired');
    expect(run.body.errors.join('\n')).toMatch(/server restarted while this request waited/);
    await second.stop();
    rmSync(dirs.root, { recursive: true, force: true });
  });
});
