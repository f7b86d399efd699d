export {
  execute,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_TIMEOUT_MS,
  SCRIPT_FILE_NAME,
} from './lib/execute';
export type {
  ExecuteOptions,
  ExecuteRequest,
  Execution,
  ExecutionEvent,
  ExecutionFailure,
  ExecutionFailureCode,
  ExecutionResult,
  ExitEvent,
  OutputChunkEvent,
  OutputStreamName,
  SpawnInfo,
  TruncatedEvent,
} from './lib/execution';
export { ExecutorError, type ExecutorErrorCode } from './lib/executor-error';
export { prepareSpawnHost } from './lib/spawn-host';
export {
  canSwitchUsers,
  DEFAULT_RUN_LIMITS,
  limitsPrelude,
  sweepUid,
  type RunLimits,
  type SandboxOptions,
} from './lib/sandbox';
export {
  MIN_RUNNER_UID,
  RunnerUidPool,
  type RunnerUidPoolOptions,
  type RunnerUidPoolResult,
} from './lib/runner-uid-pool';
export {
  buildSystemEnv,
  isHeaderSafe,
  isSystemEnvName,
  SYSTEM_ENV_NAMES,
  type SystemEnvInput,
} from './lib/system-env';
export {
  BASE_ENV_NAMES,
  buildScriptEnv,
  DEFAULT_PATH,
  ENV_NAME_PATTERN,
  isValidEnvName,
  stripControlChars,
  type ScriptEnvInput,
  type ScriptEnvResult,
  type ServerEnv,
} from './lib/script-env';
export { pythonJsonDumps } from './lib/python-json-dumps';
export { pythonStr } from './lib/python-str';
export { inputCopyFailure, timeoutMessage, truncationWarning } from './lib/reference-messages';
export { MASK, maskedFormsOf, MIN_MASKED_LENGTH, SecretMasker } from './lib/secret-masker';
