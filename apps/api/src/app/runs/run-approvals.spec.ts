import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Run, RunStore } from '@runbooks/history';

import { RunbookCatalog } from '../catalog/runbook-catalog.service';
import { STATUS_OF } from '../errors/app-error';
import { RUN_STORE } from '../history/run-store.provider';
import { callerOf, gatedRunbook } from '../../testing/approval-callers';
import { RunsTestApp, eventually } from '../../testing/runs-test-app';
import { ApprovalExpiry } from './approval-expiry.service';
import { RunApprovals } from './run-approvals.service';
import { RunCancellation } from './run-cancellation.service';
import { RUN_PORTS, type RunPorts } from './run-ports';
import { RunSubmission } from './run-submission.service';

const ALICE = callerOf('alice', ['sre']);
const BOB = callerOf('bob', ['lead']);
const CAROL = callerOf('carol', ['lead']);
const DAVE = callerOf('dave', ['sre']);
const LEAD_ALICE = callerOf('alice', ['lead']);

const RUNBOOKS = {
  'Gated.md': gatedRunbook('Gated', 'approvers:\n  roles: [lead]'),
  'Pair.md': gatedRunbook('Pair', 'approvers:\n  roles: [lead]\ncount: 2'),
  'SelfOk.md': gatedRunbook('SelfOk', 'approvers:\n  roles: [lead]\nallow_self_approval: true'),
  'Changing.md': gatedRunbook('Changing', 'approvers:\n  roles: [lead]'),
};

describe('RunApprovals (embedded ports, SQLite, real zsh)', () => {
  let app: RunsTestApp;
  let store: RunStore;
  let approvals: RunApprovals;
  let ports: RunPorts;

  beforeAll(async () => {
    app = await RunsTestApp.start(RUNBOOKS, { ALLOW_UNSANDBOXED: 'true' });
    store = app.get<RunStore>(RUN_STORE);
    approvals = app.get(RunApprovals);
    ports = app.get<RunPorts>(RUN_PORTS);
  });
  afterAll(() => app.stop());

  const markdown = (file: string) => readFileSync(join(app.config.runbooksDir, file), 'utf8');

  async function request(file: string, by = ALICE) {
    const submitted = await app.get(RunSubmission).submit(app.command(file, by));
    expect(submitted.run.status).toBe('pending_approval');
    return submitted;
  }

  it('holds a gated run pending, with its gate and request details, until approved', async () => {
    const submitted = await request('Gated.md');
    expect(submitted.run.approval).toMatchObject({
      required: 1,
      approvers: { roles: ['lead'] },
      allow_self_approval: false,
      approvals: [],
      rejected_by: null,
    });
    const expiresIn = Date.parse(submitted.run.approval?.expires_at ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60 * 1000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60 * 1000);
    expect(await ports.requests.get(submitted.run.id)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.get(submitted.run.id)).toMatchObject({
      status: 'pending_approval',
      attempt: 0,
    });
  });

  it('starts the run once an approver approves: it runs as its requester, History says who', async () => {
    const submitted = await request('Gated.md');
    const approved = await approvals.approve(submitted.run.id, BOB, 'ship it');
    expect(['queued', 'running', 'success']).toContain(approved.status);
    expect(approved.approval?.approvals).toHaveLength(1);
    expect(approved.approval?.approvals[0]).toMatchObject({ by: 'bob', comment: 'ship it' });
    expect(Date.parse(approved.approval?.approvals[0]?.at ?? '')).not.toBeNaN();
    const result = await submitted.result();
    expect(result).toMatchObject({ success: true, stdout: 'ran Gated\n' });
    expect(await store.get(submitted.run.id)).toMatchObject({
      status: 'success',
      requestedBy: 'alice',
    });
    expect(markdown('Gated.md')).toContain('**Approval:** Approved by bob ("ship it")');
  });

  it('needs count distinct approvers: one approval leaves it pending, a repeat is a 409', async () => {
    const submitted = await request('Pair.md');
    const first = await approvals.approve(submitted.run.id, BOB, null);
    expect(first.status).toBe('pending_approval');
    expect(first.approval?.approvals.map((entry) => entry.by)).toEqual(['bob']);
    const again = approvals.approve(submitted.run.id, BOB, 'me again');
    await expect(again).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(again).rejects.toThrow(/already approved/);
    expect(STATUS_OF.CONFLICT).toBe(409);
    expect((await store.get(submitted.run.id))?.approval?.approvals).toHaveLength(1);
    const second = await approvals.approve(submitted.run.id, CAROL, null);
    expect(second.status).not.toBe('pending_approval');
    expect(await submitted.result()).toMatchObject({ success: true, stdout: 'ran Pair\n' });
    expect(markdown('Pair.md')).toContain('**Approval:** Approved by bob, carol');
  });

  it('refuses self-approval (403) unless the runbook allows it', async () => {
    const own = await request('Gated.md', LEAD_ALICE);
    const attempt = approvals.approve(own.run.id, LEAD_ALICE, null);
    await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(attempt).rejects.toThrow(/four-eyes/);
    expect(await store.get(own.run.id)).toMatchObject({ status: 'pending_approval' });
    const withdraw = approvals.reject(own.run.id, LEAD_ALICE, 'never mind');
    await expect(withdraw).rejects.toThrow(/cancel it to withdraw/);
    expect(approvals.couldApprove((await store.get(own.run.id)) as Run, LEAD_ALICE)).toBe(false);

    const allowed = await request('SelfOk.md', LEAD_ALICE);
    expect(approvals.couldApprove(allowed.run, LEAD_ALICE)).toBe(true);
    await approvals.approve(allowed.run.id, LEAD_ALICE, null);
    expect(await allowed.result()).toMatchObject({ success: true });
  });

  it('refuses a caller without the approver claims (403), naming the claims', async () => {
    const submitted = await request('Gated.md');
    const attempt = approvals.approve(submitted.run.id, DAVE, null);
    await expect(attempt).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(attempt).rejects.toThrow(/approvers must hold roles: lead/);
    await expect(approvals.reject(submitted.run.id, DAVE, 'no')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await store.get(submitted.run.id)).toMatchObject({
      status: 'pending_approval',
      approval: { approvals: [] },
    });
    await expect(approvals.approve('no-such-run', BOB, null)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('rejects with a reason: rejected, never ran, details dropped, History and 409 after', async () => {
    const submitted = await request('Gated.md');
    const rejected = await approvals.reject(submitted.run.id, BOB, 'not during the freeze');
    expect(rejected).toMatchObject({
      status: 'rejected',
      startedAt: null,
      approval: { rejected_by: 'bob', reason: 'not during the freeze' },
    });
    expect(await submitted.result()).toMatchObject({ success: false });
    expect(await ports.requests.get(submitted.run.id)).toBeNull();
    expect(markdown('Gated.md')).toContain('**Approval:** Rejected by bob: not during the freeze');
    await expect(approvals.approve(submitted.run.id, CAROL, null)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const again = approvals.reject(submitted.run.id, CAROL, 'me too');
    await expect(again).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(again).rejects.toThrow(/not pending approval \(status: rejected\)/);
  });

  it('expires a request not decided in time, once, and a late approval is a 409', async () => {
    const submitted = await request('Gated.md');
    const pending = (await store.get(submitted.run.id)) as Run;
    const approval = pending.approval;
    if (approval === null) throw new Error('no gate recorded');
    // Not yet due: the expiry check leaves it alone.
    await app.get(ApprovalExpiry).check(Date.now());
    expect((await store.get(pending.id))?.status).toBe('pending_approval');
    await app.get(ApprovalExpiry).check(Date.parse(approval.expires_at) + 1);
    const expired = await store.get(pending.id);
    expect(expired).toMatchObject({ status: 'expired', startedAt: null });
    expect(expired?.errors.join('\n')).toMatch(/the request expired/);
    expect(await submitted.result()).toMatchObject({ success: false });
    expect(await approvals.expire({ ...pending, approval })).toBe(false);
    await expect(approvals.approve(pending.id, BOB, null)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('ends the run expired instead of starting it when the runbook changed since the request', async () => {
    const submitted = await request('Changing.md');
    const file = join(app.config.runbooksDir, 'Changing.md');
    const changed = markdown('Changing.md').replace('echo ran Changing', 'echo something else');
    writeFileSync(`${file}.tmp`, changed);
    renameSync(`${file}.tmp`, file);
    const catalog = app.get(RunbookCatalog);
    await eventually(
      async () => (await catalog.get('Changing.md')).text.includes('something else'),
      'the catalog to see the change',
    );
    const outcome = await approvals.approve(submitted.run.id, BOB, 'ok');
    expect(outcome.status).toBe('expired');
    expect(outcome.errors.join('\n')).toMatch(/runbook changed since the run was requested/);
    expect(outcome.startedAt).toBeNull();
    const result = await submitted.result();
    expect(result.success).toBe(false);
    expect(result.stdout).not.toContain('something else');
  });

  it('lists for each approver only the runs they could approve now', async () => {
    const pair = await request('Pair.md');
    const own = await request('Gated.md', LEAD_ALICE);
    const ids = async (caller = BOB) =>
      (await approvals.pendingFor(caller, 500, null)).items.map((run) => run.id);
    expect(await ids()).toEqual(expect.arrayContaining([pair.run.id, own.run.id]));
    expect(await ids(LEAD_ALICE)).not.toContain(own.run.id);
    // Alice requested both (whatever her roles now): neither is hers to approve.
    expect(await ids(LEAD_ALICE)).not.toContain(pair.run.id);
    expect(await ids(CAROL)).toEqual(expect.arrayContaining([pair.run.id, own.run.id]));
    expect(await ids(DAVE)).toEqual([]);
    await approvals.approve(pair.run.id, BOB, null);
    expect(await ids()).not.toContain(pair.run.id);
    expect(await ids(CAROL)).toContain(pair.run.id);
    // A canceled request leaves every list.
    await app.get(RunCancellation).cancel(own.run, LEAD_ALICE, 'withdrawn');
    expect(await ids()).not.toContain(own.run.id);
    const page = await approvals.pendingFor(CAROL, 1, null);
    expect(page.items).toHaveLength(1);
  });
});
