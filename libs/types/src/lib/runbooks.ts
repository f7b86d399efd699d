import type { RunApproval, RunStatus } from './runs';

/** One entry of `GET /api/runbooks` (`runbooks[]`). */
export interface RunbookListItem {
  /** File name, the id used in URLs, e.g. `SimpleRunbook.md`. */
  filename: string;
  /** The runbook's H1 name. */
  name: string;
  /** Path relative to the runbooks folder (equal to `filename`: the folder is flat). */
  path: string;
  /** Our additions (absent from the reference; clients must tolerate their absence). */
  description?: string;
  /** Required claims (`{}` = unrestricted; null = unreadable, nobody may run it). */
  required_claims?: Record<string, string[]> | null;
  /** Whether the caller satisfies the required claims. */
  can_execute?: boolean;
  /** Whether the runbook has a Script section (documentation-only runbooks do not). */
  executable?: boolean;
  /** The most recent run of this runbook, if any. */
  last_run?: RunSummary | null;
}

/** A run reduced to what lists show. */
export interface RunSummary {
  id: string;
  status: RunStatus;
  created_at: string;
  finished_at: string | null;
  return_code: number | null;
}

/** Body of `GET /api/runbooks`. */
export interface RunbookListResponse {
  success: true;
  runbooks: RunbookListItem[];
}

/** Body of `GET /api/runbooks/{filename}`: the raw markdown including its History. */
export interface RunbookContentResponse {
  success: true;
  filename: string;
  name: string;
  /** The markdown; History without output when `history_output_hidden`. */
  content: string;
  /** True when the caller lacks the Required Claims: History holds entry headings only. */
  history_output_hidden?: boolean;
  /**
   * Only for a runbook larger than the server's History budget: `content` holds the newest
   * History entries, and this is the URL of the page of older ones (`HistoryPageResponse`).
   */
  history_older?: string;
}

/** Body of `GET /api/runbooks/{filename}/history`: one page of History, newest last. */
export interface HistoryPageResponse {
  success: true;
  filename: string;
  /** History entries (markdown) ending before byte `before`; headings only when output is hidden. */
  content: string;
  /** URL of the page before this one, or null when this page starts at the first entry. */
  older: string | null;
  history_output_hidden: boolean;
}

/** The value types an Environment Requirements entry may declare (`string` by default). */
export type EnvVarType = 'string' | 'integer' | 'number' | 'boolean';

/** A declared scalar (enum member or default), in its declared type. */
export type EnvVarScalar = string | number | boolean;

/**
 * One environment variable a runbook declares: its description and its typed declaration
 * (`null` for what is not declared). Never carries a secret's value.
 */
export interface EnvVarInfo {
  name: string;
  description: string;
  type: EnvVarType;
  enum: EnvVarScalar[] | null;
  pattern: string | null;
  minimum: number | null;
  maximum: number | null;
  default: EnvVarScalar | null;
  /** False when the runbook runs without the variable (`required: false`). */
  required: boolean;
  /** The value is masked in all output and never shown back. */
  secret: boolean;
  /** Where the server reads the value (`file:NAME`, `env:NAME`), as written; callers cannot set it. */
  from: string | null;
}

/** Body of `GET /api/runbooks/{filename}/required-env`. */
export interface RequiredEnvResponse {
  success: true;
  filename: string;
  required: EnvVarInfo[];
  available: EnvVarInfo[];
  missing: EnvVarInfo[];
}

/** Body of `PATCH /api/runbooks/{filename}/validate` (200 when valid, 400 when not). */
export interface ValidateResponse {
  success: boolean;
  runbook: string;
  errors: string[];
  warnings: string[];
}

/** Request body of validate and execute. */
export interface EnvVarsRequest {
  /** Numbers and booleans are taken as their JSON text. */
  env_vars?: Record<string, string | number | boolean>;
}

/** Request body of execute: `env_vars` plus our optional run labels. */
export interface ExecuteRequest extends EnvVarsRequest {
  labels?: Record<string, string>;
}

/**
 * The outcome of an execution: the SSE `done` event's JSON and the JSON execute response.
 * Key order on the wire is exactly this order.
 */
export interface ExecuteResult {
  success: boolean;
  runbook: string;
  return_code: number;
  stdout: string;
  stderr: string;
  errors: string[];
  warnings: string[];
  /** Id of the run record (our addition; also sent as the `X-Run-Id` header). */
  run_id?: string;
}

/** The error envelope of every non-2xx JSON response (`success: false` on execute pre-stream errors). */
export interface ErrorResponse {
  error: string;
  success?: false;
}

/** Body of the public `GET /api/info`: what a client needs before signing in. */
export interface ApiInfo {
  name: string;
  version: string;
  ui_header: string;
  /** Whether `POST /dev-login` is available. */
  dev_login: boolean;
  /**
   * How scripts are isolated: `per-run-uid` (each run under its own uid), `off` (as the server's
   * user), `no-scripts` (an API-only process of the distributed mode).
   */
  sandbox: 'per-run-uid' | 'off' | 'no-scripts';
}

/** Body of `POST /api/runs/{id}/cancel` (optional). */
export interface CancelRunRequest {
  reason?: string;
}

/** Answer of an asynchronous start (`Prefer: respond-async` → 202 with `Location: /api/runs/{id}`). */
export interface RunAccepted {
  run_id: string;
  status: RunStatus;
  location: string;
  /** The approval state, when the run waits for approval (`status: "pending_approval"`). */
  approval?: RunApproval;
}

/** Body of `POST /api/runs/{id}/approve` (optional). */
export interface ApproveRunRequest {
  comment?: string;
}

/** Body of `POST /api/runs/{id}/reject`: the reason is required (1-500 characters). */
export interface RejectRunRequest {
  reason: string;
}
