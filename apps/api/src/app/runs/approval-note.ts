import type { RunApproval, RunStatus } from '@runbooks/types';

/**
 * The approval line of a gated run's History entry: who approved it, or who rejected it and why,
 * or that it expired.
 */
export function approvalNote(approval: RunApproval, status: RunStatus): string {
  if (status === 'rejected')
    return `Rejected by ${approval.rejected_by ?? 'unknown'}: ${approval.reason ?? ''}`;
  const approvers = approval.approvals
    .map((entry) => (entry.comment ? `${entry.by} ("${entry.comment}")` : entry.by))
    .join(', ');
  if (status === 'expired' && approval.approvals.length >= approval.required)
    return `Approved by ${approvers}, but the runbook changed since the request: not started`;
  if (status === 'expired') {
    const so = approvers ? `; approved so far by ${approvers}` : '';
    return `Expired: not approved by ${approval.expires_at}${so}`;
  }
  if (approval.approvals.length < approval.required)
    return `Ended ${status} before approval${approvers ? `; approved so far by ${approvers}` : ''}`;
  return `Approved by ${approvers}`;
}
