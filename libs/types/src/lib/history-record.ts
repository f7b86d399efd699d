import type { ConfigItem } from './config';

/** Who ran what, from where: the `breadcrumb` of a history record. */
export interface Breadcrumb {
  /** ISO-8601 timestamp with offset, e.g. `2026-11-22T07:17:51.447015+00:00`. */
  at_time: string;
  by_user: string;
  from_ip: string;
  correlation_id: string;
  /** The stack including the current runbook for executions; null or the incoming one for denials. */
  recursion_stack: string[] | null;
  roles: string[];
}

/** Operation a history record or run is about. */
export type RunOperation = 'execute' | 'validate';

/** One JSON-lines audit record per executed run or RBAC denial (the reference's log shape). */
export interface HistoryRecord {
  /** `YYYY-MM-DDTHH:MM:SS.mmmZ`. */
  start_timestamp: string;
  finish_timestamp: string;
  return_code: number;
  operation: RunOperation;
  breadcrumb: Breadcrumb;
  config_items: ConfigItem[];
  stdout: string;
  stderr: string;
  errors: string[];
  warnings: string[];
  /**
   * Set on records of approval decisions (and on the records of runs that had an approval gate):
   * which run, what was decided, by whom (the caller's `sub`) and their comment or reason.
   */
  approval?: HistoryApprovalNote;
}

/** An approval decision as the audit log keeps it. */
export interface HistoryApprovalNote {
  run_id: string;
  decision: 'requested' | 'approve' | 'reject' | 'expire' | 'cancel';
  by: string;
  /** The approver's comment, the rejection reason, or why it expired; null when none. */
  text: string | null;
}
