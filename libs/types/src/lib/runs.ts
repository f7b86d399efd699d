import type { RunOperation } from './history-record';

/**
 * Lifecycle of a run: `queued → running → success|failure|timeout|canceled|lost`, or `denied`;
 * runs of runbooks with an Approval section wait in `pending_approval` first, and may end
 * `rejected` or `expired` there.
 */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'success'
  | 'failure'
  | 'timeout'
  | 'canceled'
  | 'lost'
  | 'denied'
  | 'pending_approval'
  | 'rejected'
  | 'expired'
  | 'skipped';

/** One approval of a run: who, when (ISO-8601), and their comment (null when none was given). */
export interface RunApprovalEntry {
  by: string;
  at: string;
  comment: string | null;
}

/**
 * The approval state of a run of a runbook with an Approval section, as recorded when the run was
 * requested (approvers and count do not follow later edits: a changed runbook never starts).
 */
export interface RunApproval {
  /** Distinct approvals needed. */
  required: number;
  /** Claims an approver's token must satisfy. */
  approvers: Record<string, string[]>;
  /** Whether the requester may approve their own run. */
  allow_self_approval: boolean;
  /** Approvals so far, in order. */
  approvals: RunApprovalEntry[];
  /** Who rejected the run (null unless it was rejected). */
  rejected_by: string | null;
  /** Why it was rejected (null unless it was rejected). */
  reason: string | null;
  /** When the request expires if not decided (ISO-8601). */
  expires_at: string;
}

/** What started a run: the REST API (console, CLI, scripts), an agent through MCP, or a schedule. */
export type RunTrigger = 'api' | 'mcp' | 'schedule';

/** A run record as served by `GET /api/runs` and `GET /api/runs/{id}` (snake_case on the wire). */
export interface RunRecord {
  id: string;
  runbook: string;
  status: RunStatus;
  operation: RunOperation;
  return_code: number | null;
  requested_by: string;
  roles: string[];
  correlation_id: string;
  recursion_stack: string[];
  labels: Record<string, string>;
  /** Names of the variables the caller supplied; values are never stored. */
  env_var_names: string[];
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** Fencing token: incremented on every (re)delivery of the run. */
  attempt: number;
  /** Capped tail of the run's stdout/stderr. */
  stdout: string;
  stderr: string;
  errors: string[];
  warnings: string[];
  canceled_by?: string | null;
  cancel_reason?: string | null;
  /** What started the run (`api` for every run recorded before triggers existed). */
  trigger: RunTrigger;
  /** The MCP client as `<name>/<version>` from its `clientInfo`; null for other triggers. */
  client: string | null;
  /**
   * Hex SHA-256 of the runbook file before its `# History` line as it was when the run was
   * requested; null for runs recorded before it was kept.
   */
  runbook_sha256: string | null;
  /** The approval state; null for runs of runbooks without an Approval section. */
  approval: RunApproval | null;
  /**
   * Why a queued run has not started (a Concurrency limit or lock and who holds it, or the
   * server-wide MAX_CONCURRENT_RUNS); null when it is not waiting.
   */
  waiting_for: string | null;
  /** 1 = next among the runs waiting for the same slot or lock; null when not waiting for one. */
  queue_position: number | null;
  /** The fire time (ISO 8601 UTC) of a run started by a schedule; null for other triggers. */
  scheduled_for: string | null;
  /** True for the one run a schedule makes up for fires missed while no scheduler was up. */
  missed: boolean;
}

/** Body of `GET /api/runs` (playbook-dispatcher's envelope). */
export interface RunListResponse {
  data: Partial<RunRecord>[];
  links: { next: string | null };
}
