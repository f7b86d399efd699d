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

/** What started a run: the REST API (console, CLI, scripts) or an agent through MCP. */
export type RunTrigger = 'api' | 'mcp';

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
   * Why a queued run has not started (a Concurrency limit or lock and who holds it, or the
   * server-wide MAX_CONCURRENT_RUNS); null when it is not waiting.
   */
  waiting_for: string | null;
  /** 1 = next among the runs waiting for the same slot or lock; null when not waiting for one. */
  queue_position: number | null;
}

/** Body of `GET /api/runs` (playbook-dispatcher's envelope). */
export interface RunListResponse {
  data: Partial<RunRecord>[];
  links: { next: string | null };
}
