import type { RunApproval } from '@runbooks/types';

import { approvalNote } from './approval-note';

const gate: RunApproval = {
  required: 2,
  approvers: { roles: ['lead'] },
  allow_self_approval: false,
  approvals: [
    { by: 'carol', at: '2026-01-01T00:00:00.000Z', comment: 'looks right' },
    { by: 'dave', at: '2026-01-01T00:01:00.000Z', comment: null },
  ],
  rejected_by: null,
  reason: null,
  expires_at: '2026-01-01T01:00:00.000Z',
};

describe('approvalNote (the History line of a gated run)', () => {
  it('names who approved a run that ran', () => {
    expect(approvalNote(gate, 'success')).toBe('Approved by carol ("looks right"), dave');
    expect(approvalNote(gate, 'failure')).toBe('Approved by carol ("looks right"), dave');
  });

  it('names who rejected it and why', () => {
    expect(approvalNote({ ...gate, rejected_by: 'erin', reason: 'freeze' }, 'rejected')).toBe(
      'Rejected by erin: freeze',
    );
  });

  it('says a fully approved run did not start because the runbook changed', () => {
    expect(approvalNote(gate, 'expired')).toBe(
      'Approved by carol ("looks right"), dave, but the runbook changed since the request: not started',
    );
  });

  it('says that it expired, with the approvals it had', () => {
    expect(approvalNote({ ...gate, approvals: [] }, 'expired')).toBe(
      'Expired: not approved by 2026-01-01T01:00:00.000Z',
    );
    expect(approvalNote({ ...gate, approvals: gate.approvals.slice(0, 1) }, 'expired')).toBe(
      'Expired: not approved by 2026-01-01T01:00:00.000Z; approved so far by carol ("looks right")',
    );
  });
});
