import type { RunApproval } from '@runbooks/types';
import { formatTimestamp } from '../../core/format/time-format';

/** The approval state of a run in one line: who approved, who rejected and why, or what is awaited. */
export function approvalText(gate: RunApproval, status: string | null): string {
  const approved = gate.approvals
    .map((entry) => (entry.comment ? `${entry.by} ("${entry.comment}")` : entry.by))
    .join(', ');
  if (gate.rejected_by) return `Rejected by ${gate.rejected_by}: ${gate.reason ?? ''}`;
  const count = `${gate.approvals.length} of ${gate.required}`;
  const by = approved ? ` — approved by ${approved}` : '';
  if (status === 'pending_approval')
    return `Waiting for approval (${count})${by}; expires ${formatTimestamp(gate.expires_at)}`;
  if (status === 'expired' && gate.approvals.length < gate.required)
    return `Expired without approval (${count})${by}`;
  return `Approved (${count})${by}`;
}
