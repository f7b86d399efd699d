import type { RunOperation } from './history-record';

/** Lifecycle of a run: `queued → running → success|failure|timeout|canceled|lost`, or `denied`. */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'success'
  | 'failure'
  | 'timeout'
  | 'canceled'
  | 'lost'
  | 'denied'
  | 'skipped';

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
