import type { RunApproval } from '@runbooks/types';
import { approvalText } from './approval-text';

const gate: RunApproval = {
  required: 2,
  approvers: { roles: ['lead'] },
  allow_self_approval: false,
  approvals: [{ by: 'carol', at: '2026-01-01T00:00:00.000Z', comment: 'ok' }],
  rejected_by: null,
  reason: null,
  expires_at: '2026-01-01T01:00:00.000Z',
};

describe('approvalText', () => {
  it('says what is awaited, who approved, who rejected and why', () => {
    expect(approvalText(gate, 'pending_approval')).toMatch(
      /^Waiting for approval \(1 of 2\) — approved by carol \("ok"\); expires /,
    );
    const done = {
      ...gate,
      approvals: [...gate.approvals, { by: 'dave', at: 'x', comment: null }],
    };
    expect(approvalText(done, 'success')).toBe(
      'Approved (2 of 2) — approved by carol ("ok"), dave',
    );
    expect(approvalText({ ...gate, rejected_by: 'erin', reason: 'freeze' }, 'rejected')).toBe(
      'Rejected by erin: freeze',
    );
    expect(approvalText(gate, 'expired')).toBe(
      'Expired without approval (1 of 2) — approved by carol ("ok")',
    );
  });
});
