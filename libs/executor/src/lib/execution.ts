import type { SandboxOptions } from './sandbox';
import type { ServerEnv } from './script-env';
import type { SystemEnvInput } from './system-env';

/** What to run: the script and everything the runbook and the request contribute. */
export interface ExecuteRequest {
  /** Script text, written byte-exact to `temp.zsh` (no newline added). */
  script: string;
  /** Run id; a UUID v4 is generated when omitted. Its first 8 hex digits name the run dir. */
  id?: string;
  /** Folder containing the runbook: the base of `inputs` (required when `inputs` is non-empty). */
  runbookDir?: string;
  /** Input paths (File System Requirements), relative to `runbookDir`. */
  inputs?: readonly string[];
  /**
   * Names the runbook declares (Environment Requirements): when given, only these `envVars` reach
   * the script. Server values are never taken for them (see `passthroughEnv`).
   */
  declaredEnv?: readonly string[];
  /** The request's `env_vars`, in insertion order; values converted like Python `str()`. */
  envVars?: Readonly<Record<string, unknown>>;
  /**
   * Values to hide in the output (the run's secret variables): each, its lines and its encoded
   * forms become `***` in the events and the result, even when split across reads. Values under
   * 4 characters are not masked (refuse them before the run; see `MIN_MASKED_LENGTH`).
   */
  secretValues?: readonly string[];
  /** Inputs of the system `RUNBOOK_*` variables; the executor adds the run dir and execution root. */
  system?: Omit<SystemEnvInput, 'runDirPath' | 'executionDir'>;
}

/** Details of a started script, passed to `onSpawn`. */
export interface SpawnInfo {
  /** Pid of zsh, also the process group id. */
  pid: number;
  /** Absolute path of the run directory (the script's cwd). */
  runDirPath: string;
}

/** How to run: limits, environment sources and hooks. */
export interface ExecuteOptions {
  /** Root for run directories (`EXECUTION_DIR`); the system temp dir when unset or not a directory. */
  executionDir?: string;
  /** Server environment for the base set, declared and passthrough variables; default `process.env` (read, never changed). */
  serverEnv?: ServerEnv;
  /** Server variables scripts may additionally see (explicit allow-list). */
  passthroughEnv?: readonly string[];
  /** Server variables never passed, even when `passthroughEnv` lists them (the server's secrets). */
  secretEnvNames?: readonly string[];
  /** Control variable names (`PATH`, `LD_PRELOAD`, ...) a request may set anyway (operator's choice). */
  allowedControlEnv?: readonly string[];
  /**
   * Runs the script under its own uid leased from `sandbox.uids`, with `sandbox.limits`; its run
   * dir and TMPDIR belong to that uid (0700) and every process of the uid is killed at the end.
   * Needs root or the CHOWN, KILL, SETGID and SETUID capabilities (see `canSwitchUsers`).
   */
  sandbox?: SandboxOptions;
  /** Wall-clock limit from spawn in ms (default 600 000); `Infinity` disables it. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL to the process group, in ms (default 5 000). */
  killGraceMs?: number;
  /** Cap per stream in UTF-8 bytes (default 10 485 760). */
  maxOutputBytes?: number;
  /** Cancels the run: the whole process group is terminated like on timeout. */
  signal?: AbortSignal;
  /** Path of zsh; default `/bin/zsh`, else `zsh` on the server `PATH`. */
  zshPath?: string;
  /** Kill the script's process group if this process dies, via a shared watchdog process (default true). */
  orphanWatchdog?: boolean;
  /** Also wrap zsh in `setpriv --pdeathsig KILL` when available (default false: costs an exec per run). */
  parentDeathSignal?: boolean;
  /** Called once zsh has been started. */
  onSpawn?: (info: SpawnInfo) => void;
}

/** The two output streams of a script. */
export type OutputStreamName = 'stdout' | 'stderr';

/** A chunk of output as it arrived (decoded UTF-8, newlines normalised to `\n`). */
export interface OutputChunkEvent {
  type: OutputStreamName;
  /** Monotonic sequence number across all events of the run, starting at 1. */
  seq: number;
  data: string;
}

/** The stream hit `maxOutputBytes`: nothing more of it is kept or emitted. */
export interface TruncatedEvent {
  type: 'truncated';
  seq: number;
  stream: OutputStreamName;
  maxOutputBytes: number;
}

/** The run is over (always the last event); carries the same object `result` resolves to. */
export interface ExitEvent {
  type: 'exit';
  seq: number;
  result: ExecutionResult;
}

/** Everything an execution's event stream can carry. */
export type ExecutionEvent = OutputChunkEvent | TruncatedEvent | ExitEvent;

/** Codes of failures that prevented the script from running (errors as data). */
export type ExecutionFailureCode =
  | 'INVALID_ENV_NAME'
  | 'INPUT_COPY_FAILED'
  | 'ZSH_NOT_FOUND'
  | 'RUN_DIR_FAILED'
  | 'SPAWN_FAILED'
  | 'SANDBOX_UNAVAILABLE'
  | 'EXECUTION_FAILED';

/** Why a script was not run (or could not be supervised). */
export interface ExecutionFailure {
  code: ExecutionFailureCode;
  message: string;
}

/** Outcome of a run. The promise never rejects: failures before spawn are results too. */
export interface ExecutionResult {
  /** The run id. */
  id: string;
  /** Name of the run directory (`runbook-exec-<8 hex>-<random>`), `null` if none was created. */
  runDir: string | null;
  /** Absolute path of the run directory (already removed), `null` if none was created. */
  runDirPath: string | null;
  /** Pid of zsh, `null` if it was never started. */
  pid: number | null;
  /** zsh's own exit status, `null` when it was ended by a signal or never started. */
  exitCode: number | null;
  /** Signal that ended zsh, if any. */
  signal: NodeJS.Signals | null;
  /** Reference-compatible code: exit status, `-<signal number>` when killed, `-9` on timeout, `1` when not run. */
  returnCode: number;
  /** The timeout fired and the group was terminated. */
  timedOut: boolean;
  /** The run was cancelled through the signal or `cancel()`. */
  canceled: boolean;
  /** Some output of either stream was dropped because of `maxOutputBytes`. */
  outputTruncated: boolean;
  /** Wall-clock time of the whole call in ms. */
  durationMs: number;
  /** Captured stdout (a prefix of at most `maxOutputBytes` bytes). */
  stdout: string;
  /** Captured stderr plus the timeout message and truncation warning where they apply. */
  stderr: string;
  /** Set when the script could not be run; `stderr` then holds the reference's text. */
  failure: ExecutionFailure | null;
}

/** A running (or finished) script: live events plus the final result. */
export interface Execution extends AsyncIterable<ExecutionEvent> {
  /** The run id. */
  readonly id: string;
  /** Every event from the first, for any number of consumers (iterating the execution is the same). */
  readonly events: AsyncIterable<ExecutionEvent>;
  /** Resolves once the process group is gone (and, unsandboxed, the run dir removed); never rejects. */
  readonly result: Promise<ExecutionResult>;
  /**
   * Resolves after `result` once everything of the run is gone: sandboxed, every process of its uid
   * killed, its run dir removed and the uid given back to the pool. Never rejects.
   */
  readonly cleanedUp: Promise<void>;
  /** Cancels the run (same as aborting `options.signal`). */
  cancel(): void;
}
