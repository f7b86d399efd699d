import { basename, dirname, resolve } from 'node:path';
import { pythonJsonDumps } from './python-json-dumps';

/** Names of the system-managed `RUNBOOK_*` variables: set by the executor, never by a request. */
export const SYSTEM_ENV_NAMES: readonly string[] = Object.freeze([
  'RUNBOOK_API_TOKEN',
  'RUNBOOK_CORRELATION_ID',
  'RUNBOOK_URL',
  'RUNBOOK_RECURSION_STACK',
  'RUNBOOK_H_AUTH',
  'RUNBOOK_H_CORR',
  'RUNBOOK_H_RECUR',
  'RUNBOOK_H_CTYPE',
  'RUNBOOK_HEADERS',
  'RUNBOOK_EXEC_DIR_HOST',
]);

const systemNames = new Set(SYSTEM_ENV_NAMES);

/** True when `name` is one of the system-managed `RUNBOOK_*` variables. */
export function isSystemEnvName(name: string): boolean {
  return systemNames.has(name);
}

/** Inputs of {@link buildSystemEnv}: what the API knows about the call and where the run lives. */
export interface SystemEnvInput {
  /** Raw bearer token of the request (`RUNBOOK_API_TOKEN`, `RUNBOOK_H_AUTH`); omitted when empty. */
  token?: string | null;
  /** Correlation id (`RUNBOOK_CORRELATION_ID`, `RUNBOOK_H_CORR`); omitted when empty. */
  correlationId?: string | null;
  /** `<proto>://<host>:<port>/api/runbooks`, e.g. `http://localhost:8083/api/runbooks`. */
  runbookUrl: string;
  /** Recursion stack handed to the script, already including the current runbook. */
  recursionStack: readonly string[];
  /** Host path of the execution dir as mounted into containers (`MOUNT_DIR`). */
  mountDir?: string | null;
  /** Configured execution root (`EXECUTION_DIR`); the mount mapping applies only to run dirs in it. */
  executionDir?: string | null;
  /** Absolute path of the run directory; `RUNBOOK_EXEC_DIR_HOST` is omitted without it. */
  runDirPath?: string | null;
  /**
   * Proof that a request comes from this run's script (a per-run secret the server can check),
   * sent as the `runbook-parent` parameter of `RUNBOOK_H_CTYPE` so sub-runbook calls made the
   * documented way carry it. Omitted when empty.
   */
  nestingProof?: string | null;
}

/**
 * Bytes every value that goes into a `RUNBOOK_H_*` header may contain: none of them is a shell
 * metacharacter, so a script that `eval`s `RUNBOOK_HEADERS` cannot run a caller's bytes.
 */
const HEADER_SAFE = /^[A-Za-z0-9._~+/=:@,-]+$/;

/** True when `value` can be put into a header variable without any shell metacharacter. */
export function isHeaderSafe(value: string): boolean {
  return HEADER_SAFE.test(value);
}

/**
 * Builds the system `RUNBOOK_*` variables exactly as the reference does (§5.4): token and
 * correlation id when non-empty, the recursion stack as Python `json.dumps`, the header strings,
 * `RUNBOOK_HEADERS` in streaming order and `RUNBOOK_EXEC_DIR_HOST`. Pure: no I/O.
 */
export function buildSystemEnv(input: SystemEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  // Caller-controlled values that are not shell-safe are left out rather than escaped: the
  // documented uses (`-H "$RUNBOOK_H_AUTH"`, `eval curl $RUNBOOK_HEADERS`) must never run them.
  const safe = (value: string | null | undefined) => (value && isHeaderSafe(value) ? value : '');
  const token = safe(input.token);
  const correlationId = safe(input.correlationId);
  const nestingProof = safe(input.nestingProof);
  const headers: string[] = [];
  if (token) env['RUNBOOK_API_TOKEN'] = token;
  if (correlationId) env['RUNBOOK_CORRELATION_ID'] = correlationId;
  env['RUNBOOK_URL'] = input.runbookUrl;
  if (input.recursionStack.length > 0 && input.recursionStack.every(isHeaderSafe)) {
    const stackJson = pythonJsonDumps(input.recursionStack);
    env['RUNBOOK_RECURSION_STACK'] = stackJson;
    env['RUNBOOK_H_RECUR'] = `X-Recursion-Stack: ${stackJson}`;
    headers.push(env['RUNBOOK_H_RECUR']);
  }
  if (correlationId) {
    env['RUNBOOK_H_CORR'] = `X-Correlation-Id: ${correlationId}`;
    headers.push(env['RUNBOOK_H_CORR']);
  }
  if (token) {
    env['RUNBOOK_H_AUTH'] = `Authorization: Bearer ${token}`;
    headers.push(env['RUNBOOK_H_AUTH']);
  }
  env['RUNBOOK_H_CTYPE'] = nestingProof
    ? `Content-Type: application/json; runbook-parent=${nestingProof}`
    : 'Content-Type: application/json';
  headers.push(env['RUNBOOK_H_CTYPE']);
  env['RUNBOOK_HEADERS'] = headers.map((header) => `-H "${header}"`).join(' ');
  if (input.runDirPath) {
    env['RUNBOOK_EXEC_DIR_HOST'] = execDirHost(input);
  }
  return env;
}

/** `MOUNT_DIR/<run dir name>` when the run dir sits directly in the execution root, else its path. */
function execDirHost(input: SystemEnvInput): string {
  const runDirPath = input.runDirPath ?? '';
  const mountDir = input.mountDir ?? '';
  const executionDir = input.executionDir ?? '';
  if (mountDir && executionDir && dirname(resolve(runDirPath)) === resolve(executionDir)) {
    return `${mountDir.replace(/\/+$/, '')}/${basename(runDirPath)}`;
  }
  return runDirPath;
}
