import type { RunRecord } from '@runbooks/types';

/** One variable a runbook asks for, as agents see it (typed declarations fill more fields later). */
export interface McpRequiredEnv {
  name: string;
  description: string;
  type: string;
  /** The allowed values, or null when any value of the type is allowed. */
  enum: string[] | null;
  /** A secret's value is masked in output and never shown in a result. */
  secret: boolean;
  required: boolean;
}

/** A runbook in `list_runbooks`: what it is for, whether the caller may run it, what it needs. */
export interface McpRunbookSummary {
  filename: string;
  name: string;
  description: string;
  /** What the REST API calls `can_execute`: the caller satisfies the runbook's Required Claims. */
  can_run: boolean;
  required_env: McpRequiredEnv[];
}

/** The short form of a run in `get_runbook`'s `recent_runs`. */
export interface McpRecentRun {
  id: string;
  status: string;
  created_at: string;
}

/** `get_runbook`: the markdown and the caller's recent view of its runs. */
export interface McpRunbookDetail {
  filename: string;
  name: string;
  content: string;
  can_run: boolean;
  recent_runs: McpRecentRun[];
}

/** `validate_runbook`: an invalid runbook is a normal result. */
export interface McpValidation {
  valid: boolean;
  errors: string[];
  warnings: string[];
}

/** What `run_runbook` asks the backend to start. */
export interface McpRunRequest {
  filename: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** How long to wait for the run to end (0–60). */
  waitSeconds: number;
}

/** `run_runbook`'s answer: the run as it stands once the wait is over. */
export interface McpRunStarted {
  run_id: string;
  /** `running` (still going), a final status, or another state such as `pending_approval`. */
  status: string;
  return_code: number | null;
  /** The last lines of output as one string. */
  output_tail: string;
}

/** One stored line of a run's output. */
export interface McpOutputLine {
  seq: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A page of `get_run_output`. */
export interface McpOutputPage {
  lines: McpOutputLine[];
  /** Pass as `after_seq` to read on. */
  next_seq: number;
  /** True when the run has ended and no line is left after this page. */
  done: boolean;
}

/** Filters of `list_runs`. */
export interface McpRunQuery {
  runbook?: string;
  status?: string[];
  labels?: Record<string, string>;
  limit: number;
  cursor?: string;
}

/** A page of `list_runs`. */
export interface McpRunPage {
  runs: RunRecord[];
  next_cursor: string | null;
}

/**
 * The port the MCP surface calls, bound to one caller: the API implements it over its services
 * (same RBAC, validation and limits as REST), the CLI over a local folder. A refusal is thrown as
 * an `McpRefusal` carrying the message the REST API gives.
 */
export interface RunbooksMcpBackend {
  listRunbooks(): Promise<McpRunbookSummary[]>;
  getRunbook(filename: string): Promise<McpRunbookDetail>;
  validateRunbook(filename: string, env: Record<string, string>): Promise<McpValidation>;
  runRunbook(request: McpRunRequest): Promise<McpRunStarted>;
  /** The run record as `GET /api/runs/{id}` returns it, after waiting up to `waitSeconds` for its end. */
  getRun(runId: string, waitSeconds: number): Promise<RunRecord>;
  getRunOutput(runId: string, afterSeq: number, maxLines: number): Promise<McpOutputPage>;
  listRuns(query: McpRunQuery): Promise<McpRunPage>;
  /** Stops a queued or running run; the record once it stopped. */
  cancelRun(runId: string, reason: string | null): Promise<RunRecord>;
}
