/// <reference types="jest" />
/**
 * The approval part of the RunStore contract (called by `describeRunStoreContract`): a run waits
 * in `pending_approval`, and `decideApproval` is a compare-and-set on its approval state.
 */
import type { RunApproval } from '@runbooks/types';
import type { RunStore } from './run-store';
import { toWire } from './to-wire';

const DIGEST = 'a'.repeat(64);

function pendingApproval(): RunApproval {
  return {
    required: 2,
    approvers: { roles: ['lead'] },
    allow_self_approval: false,
    approvals: [],
    rejected_by: null,
    reason: null,
    expires_at: '2026-03-01T13:00:00.000Z',
  };
}

/** Registers the approval tests; `store` gives the suite's current store. */
export function describeApprovalContract(store: () => RunStore): void {
  describe('approvals', () => {
    async function pendingRun(id = 'p-1') {
      const run = await store().create({
        id,
        runbook: 'gate.md',
        requestedBy: 'alice',
        runbookSha256: DIGEST,
      });
      const moved = await store().transition(run.id, 0, ['queued'], 'pending_approval', {
        approval: pendingApproval(),
      });
      if (!moved.applied) throw new Error('could not make the run pending');
      return moved.run;
    }

    it('keeps the digest on every run and null approval until one is recorded', async () => {
      const run = await store().create({
        runbook: 'a.md',
        requestedBy: 'bob',
        runbookSha256: DIGEST,
      });
      expect(run.runbookSha256).toBe(DIGEST);
      expect(run.approval).toBeNull();
      expect(toWire(run)).toMatchObject({ runbook_sha256: DIGEST, approval: null });
      const plain = await store().create({ runbook: 'a.md', requestedBy: 'bob' });
      expect((await store().get(plain.id))?.runbookSha256).toBeNull();
    });

    it('refuses a digest that is not 64 lowercase hex characters', async () => {
      await expect(
        store().create({ runbook: 'a.md', requestedBy: 'bob', runbookSha256: 'ABC' }),
      ).rejects.toMatchObject({ code: 'INVALID_RUN' });
    });

    it('stores the approval state and finds pending runs by status', async () => {
      const run = await pendingRun();
      expect(run.status).toBe('pending_approval');
      expect((await store().get(run.id))?.approval).toEqual(pendingApproval());
      const page = await store().list({ status: 'pending_approval' });
      expect(page.items.map((item) => item.id)).toEqual([run.id]);
      expect((await store().listByStatus(['pending_approval'])).map((item) => item.id)).toEqual([
        run.id,
      ]);
    });

    it('decideApproval is a compare-and-set: only one of two deciders applies', async () => {
      const run = await pendingRun();
      const expected = run.approval as RunApproval;
      const first = { ...expected, approvals: [{ by: 'carol', at: 'x', comment: null }] };
      const second = { ...expected, approvals: [{ by: 'dave', at: 'y', comment: 'ok' }] };
      const results = await Promise.all([
        store().decideApproval(run.id, expected, first, 'pending_approval'),
        store().decideApproval(run.id, expected, second, 'pending_approval'),
      ]);
      expect(results.filter((result) => result.applied)).toHaveLength(1);
      const refused = results.find((result) => !result.applied);
      expect(refused).toMatchObject({ applied: false, reason: 'STATUS_MISMATCH' });
    });

    it('the last approval queues the run once; a reject after it does not apply', async () => {
      const run = await pendingRun();
      const expected = run.approval as RunApproval;
      const approved = {
        ...expected,
        approvals: [
          { by: 'carol', at: 'x', comment: null },
          { by: 'dave', at: 'y', comment: null },
        ],
      };
      const queued = await store().decideApproval(run.id, expected, approved, 'queued');
      expect(queued).toMatchObject({
        applied: true,
        run: { status: 'queued', approval: approved },
      });
      const again = await store().decideApproval(run.id, expected, approved, 'queued');
      expect(again.applied).toBe(false);
      const reject = await store().transition(run.id, 0, ['pending_approval'], 'rejected');
      expect(reject).toMatchObject({ applied: false, reason: 'STATUS_MISMATCH' });
      expect(await store().claim(run.id, { workerId: 'w' })).toMatchObject({ status: 'running' });
    });

    it('a rejected or expired run is final', async () => {
      const rejected = await pendingRun('p-r');
      const approval = {
        ...(rejected.approval as RunApproval),
        rejected_by: 'carol',
        reason: 'no',
      };
      const result = await store().transition(rejected.id, 0, ['pending_approval'], 'rejected', {
        approval,
      });
      expect(result).toMatchObject({ applied: true, run: { status: 'rejected', approval } });
      expect(result.run?.finishedAt).not.toBeNull();
      const expired = await pendingRun('p-e');
      expect(
        (await store().transition(expired.id, 0, ['pending_approval'], 'expired')).run?.status,
      ).toBe('expired');
      await expect(
        store().decideApproval(expired.id, expired.approval as RunApproval, approval, 'queued'),
      ).resolves.toMatchObject({ applied: false });
      expect(await store().claim(expired.id, { workerId: 'w' })).toBeNull();
    });
  });
}
