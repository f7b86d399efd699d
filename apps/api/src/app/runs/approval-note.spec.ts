import type { RunApproval } from '@runbooks/types';

import { approvalNote } from './approval-note';

function gate(overrides: Partial<RunApproval> = {}): RunApproval {
  return {
    required: 2,
    approvers: { roles: ['lead'] },
    allow_self_approval: false,
    approvals: [],
    rejected_by: null,
    reason: null,
    expires_at: '2026-01-01T10:00:00.000Z',
    ...overrides,
  };
}

const BOB = { by: 'bob', at: '2026-01-01T09:00:00.000Z', comment: 'looks fine' };
const CAROL = { by: 'carol', at: '2026-01-01T09:01:00.000Z', comment: null };

describe('approvalNote', () => {
  it('names every approver, with their comment, once the gate is complete', () => {
    expect(approvalNote(gate({ approvals: [BOB, CAROL] }), 'success')).toBe(
      'Approved by bob ("looks fine"), carol',
    );
    expect(approvalNote(gate({ required: 1, approvals: [CAROL] }), 'failure')).toBe(
      'Approved by carol',
    );
  });

  it('says who rejected the run and why', () => {
    const rejected = gate({ approvals: [BOB], rejected_by: 'dave', reason: 'not today' });
    expect(approvalNote(rejected, 'rejected')).toBe('Rejected by dave: not today');
    expect(approvalNote(gate(), 'rejected')).toBe('Rejected by unknown: ');
  });

  it('says when the request expired, and who had approved so far', () => {
    expect(approvalNote(gate(), 'expired')).toBe(
      'Expired: not approved by 2026-01-01T10:00:00.000Z',
    );
    expect(approvalNote(gate({ approvals: [BOB] }), 'expired')).toBe(
      'Expired: not approved by 2026-01-01T10:00:00.000Z; approved so far by bob ("looks fine")',
    );
    // Expired even when the count was reached (the runbook changed before it started).
    expect(approvalNote(gate({ approvals: [BOB, CAROL] }), 'expired')).toMatch(/^Expired: /);
  });

  it('says a run ended before its approval was complete (e.g. canceled while pending)', () => {
    expect(approvalNote(gate(), 'canceled')).toBe('Ended canceled before approval');
    expect(approvalNote(gate({ approvals: [CAROL] }), 'canceled')).toBe(
      'Ended canceled before approval; approved so far by carol',
    );
  });
});
