import { randomBytes, randomUUID } from 'node:crypto';
import {
  chmodSync,
  mkdtempSync,
  promises as fs,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { copyInputs } from './copy-inputs';
import type {
  ExecuteOptions,
  ExecuteRequest,
  Execution,
  ExecutionEvent,
  ExecutionFailureCode,
  ExecutionResult,
  OutputStreamName,
} from './execution';
import { ExecutorError } from './executor-error';
import { NewlineNormalizer } from './newline-normalizer';
import { OrphanWatchdog } from './orphan-watchdog';
import { OutputLimiter } from './output-limiter';
import { ProcessGroup } from './process-group';
import { inputCopyFailure, timeoutMessage, truncationWarning } from './reference-messages';
import { ReplayableEventStream } from './replayable-event-stream';
import { SpawnHost, type LaunchedProcess } from './spawn-host';
import { SecretMasker } from './secret-masker';
import { resolveInterpreter } from './resolve-interpreter';
import { handOverRunDir, limitsPrelude, sweepUid, type SandboxOptions } from './sandbox';
import { buildScriptEnv, DEFAULT_PATH, stripControlChars, type ServerEnv } from './script-env';
import { buildSystemEnv } from './system-env';

/** Default wall-clock limit of a run (the reference's `SCRIPT_TIMEOUT_SECONDS` default, 600 s). */
export const DEFAULT_TIMEOUT_MS = 600_000;
/** Default time between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5_000;
/** Default cap per output stream (the reference's `MAX_OUTPUT_SIZE_BYTES` default). */
export const DEFAULT_MAX_OUTPUT_BYTES = 10_485_760;
/** Name of the script file inside the run directory. */
export const SCRIPT_FILE_NAME = 'temp.zsh';

/** Longest delay a Node timer supports (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Extra wait for the pipes to close after zsh exited (beyond the kill grace) before giving up on them. */
const PIPE_DRAIN_MS = 1_000;

/** Options after validation and defaults. */
interface Settings {
  executionDir: string | undefined;
  serverEnv: ServerEnv;
  passthroughEnv: readonly string[];
  secretEnvNames: readonly string[];
  allowedControlEnv: readonly string[];
  sandbox: SandboxOptions | undefined;
  timeoutMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  signal: AbortSignal | undefined;
  zshPath: string | undefined;
  parentDeathSignal: boolean;
  orphanWatchdog: boolean;
  onSpawn: ExecuteOptions['onSpawn'];
}

/**
 * Runs a runbook script with zsh in a fresh run directory, a from-scratch environment, its own
 * process group, a timeout and per-stream output caps. Returns at once; work starts immediately.
 * Throws {@link ExecutorError} only for invalid options; everything else ends in `result`.
 */
export function execute(request: ExecuteRequest, options: ExecuteOptions = {}): Execution {
  const settings = validate(request, options);
  const run = new ScriptRun(request, settings);
  run.start();
  return run.execution;
}

/** Checks the call and fills in defaults. */
function validate(request: ExecuteRequest, options: ExecuteOptions): Settings {
  if (typeof request !== 'object' || request === null || typeof request.script !== 'string') {
    throw new ExecutorError('INVALID_REQUEST', 'request.script must be a string');
  }
  if ((request.inputs?.length ?? 0) > 0 && !request.runbookDir) {
    throw new ExecutorError(
      'INVALID_REQUEST',
      'request.runbookDir is required when inputs are given',
    );
  }
  if (request.id !== undefined && (typeof request.id !== 'string' || request.id === '')) {
    throw new ExecutorError('INVALID_REQUEST', 'request.id must be a non-empty string');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  if (!(timeoutMs > 0) || (Number.isFinite(timeoutMs) && timeoutMs > MAX_TIMER_MS)) {
    throw invalidOption(`timeoutMs must be in (0, ${MAX_TIMER_MS}] or Infinity`);
  }
  if (!(killGraceMs >= 0) || killGraceMs > MAX_TIMER_MS) {
    throw invalidOption(`killGraceMs must be in [0, ${MAX_TIMER_MS}]`);
  }
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 0) {
    throw invalidOption('maxOutputBytes must be an integer >= 0');
  }
  return {
    executionDir: options.executionDir,
    serverEnv: options.serverEnv ?? process.env,
    passthroughEnv: options.passthroughEnv ?? [],
    secretEnvNames: options.secretEnvNames ?? [],
    allowedControlEnv: options.allowedControlEnv ?? [],
    sandbox: options.sandbox,
    timeoutMs,
    killGraceMs,
    maxOutputBytes,
    signal: options.signal,
    zshPath: options.zshPath,
    parentDeathSignal: options.parentDeathSignal ?? false,
    orphanWatchdog: options.orphanWatchdog ?? true,
    onSpawn: options.onSpawn,
  };
}

/** An {@link ExecutorError} for a bad option. */
function invalidOption(message: string): ExecutorError {
  return new ExecutorError('INVALID_OPTIONS', message);
}

/**
 * One output stream: streaming UTF-8 decoder, newline normaliser, secret masker, cap and the
 * kept parts. Masking sits here, where output leaves the script, so no consumer sees a secret.
 */
class OutputChannel {
  readonly decoder = new StringDecoder('utf8');
  readonly normalizer = new NewlineNormalizer();
  readonly masker: SecretMasker;
  readonly limiter: OutputLimiter;
  readonly parts: string[] = [];
  truncationReported = false;

  constructor(maxOutputBytes: number, secretValues: readonly string[]) {
    this.limiter = new OutputLimiter(maxOutputBytes);
    this.masker = new SecretMasker(secretValues);
  }
}

/** The state machine of one run, from request to result. */
class ScriptRun {
  readonly id: string;
  readonly execution: Execution;
  private readonly events = new ReplayableEventStream<ExecutionEvent>();
  private readonly startedAt = performance.now();
  private readonly channels: Record<OutputStreamName, OutputChannel>;
  private readonly abortController = new AbortController();
  private resolveResult: (result: ExecutionResult) => void = () => undefined;
  private resolveCleanedUp: () => void = () => undefined;
  /** The uid this run leased from the sandbox, or null when it runs as the server's user. */
  private runUid: number | null = null;
  private zshPath: string | null = null;
  private seq = 0;
  private runDirPath: string | null = null;
  private child: LaunchedProcess | null = null;
  private group: ProcessGroup | null = null;
  private watchdog: OrphanWatchdog | null = null;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private timedOut = false;
  private canceled = false;
  private killStarted = false;
  private sigkillSent: (() => void) | null = null;
  private readonly sigkillDone: Promise<void>;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private finished = false;

  constructor(
    private readonly request: ExecuteRequest,
    private readonly settings: Settings,
  ) {
    this.id = request.id ?? randomUUID();
    // The script sees values without control characters (see buildScriptEnv): mask both forms.
    const secrets = (request.secretValues ?? []).flatMap((value) =>
      typeof value === 'string' ? [value, stripControlChars(value)] : [],
    );
    this.channels = {
      stdout: new OutputChannel(settings.maxOutputBytes, secrets),
      stderr: new OutputChannel(settings.maxOutputBytes, secrets),
    };
    this.sigkillDone = new Promise((resolve) => (this.sigkillSent = resolve));
    const result = new Promise<ExecutionResult>((resolve) => (this.resolveResult = resolve));
    const cleanedUp = new Promise<void>((resolve) => (this.resolveCleanedUp = resolve));
    const events = this.events;
    this.execution = {
      id: this.id,
      events,
      result,
      cleanedUp,
      cancel: () => this.abortController.abort(),
      [Symbol.asyncIterator]: () => events[Symbol.asyncIterator](),
    };
  }

  /** Starts the run in the background; any unexpected error still ends in a result. */
  start(): void {
    this.run().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      void this.failBeforeStart('EXECUTION_FAILED', `ERROR: ${message}`);
    });
  }

  private get isAborted(): boolean {
    return this.abortController.signal.aborted || this.settings.signal?.aborted === true;
  }

  private async run(): Promise<void> {
    const { settings, request } = this;
    if (this.isAborted) return this.cancelBeforeStart();
    const envCheck = this.buildEnv({});
    if (!envCheck.ok) {
      return this.failBeforeStart('INVALID_ENV_NAME', envCheck.message, `${envCheck.message}\n`);
    }
    const searchPath = settings.serverEnv['PATH'] ?? DEFAULT_PATH;
    const interpreter = await resolveInterpreter(
      settings.zshPath,
      searchPath,
      settings.parentDeathSignal,
    );
    if (!interpreter) {
      const looked = settings.zshPath ?? '/bin/zsh and zsh on PATH';
      const message = `ERROR: zsh interpreter not found (looked for ${looked})`;
      return this.failBeforeStart('ZSH_NOT_FOUND', message, `${message}\n`);
    }
    this.zshPath = interpreter.zshPath;
    if (this.isAborted) return this.cancelBeforeStart();
    if (settings.sandbox) {
      this.runUid = settings.sandbox.uids.lease();
      if (this.runUid === null) {
        const message =
          'ERROR: no free run uid in the sandbox (every uid of this server is in use)';
        return this.failBeforeStart('SANDBOX_UNAVAILABLE', message, `${message}\n`);
      }
    }

    // Resolved once: the script path handed to zsh must not depend on the run dir as cwd.
    const configuredRoot = settings.executionDir ? resolve(settings.executionDir) : undefined;
    const root = executionRoot(configuredRoot);
    try {
      this.runDirPath = mkdtempSync(join(root, `runbook-exec-${hexPrefix(this.id)}-`));
    } catch (error) {
      return this.failBeforeStart(
        'RUN_DIR_FAILED',
        `ERROR: Failed to create run directory: ${errorText(error)}`,
      );
    }
    const inputs = request.inputs ?? [];
    if (inputs.length > 0) {
      const errors = await copyInputs(request.runbookDir ?? '.', inputs, this.runDirPath);
      if (errors.length > 0) {
        const message = inputCopyFailure(errors);
        return this.failBeforeStart('INPUT_COPY_FAILED', message, message);
      }
    }
    const scriptPath = join(this.runDirPath, SCRIPT_FILE_NAME);
    try {
      writeFileSync(scriptPath, request.script, { mode: 0o700 });
      if (inputs.length > 0) chmodSync(scriptPath, 0o700);
    } catch (error) {
      return this.failBeforeStart(
        'RUN_DIR_FAILED',
        `ERROR: Failed to write script: ${errorText(error)}`,
      );
    }
    let sandboxEnv: Record<string, string> = {};
    if (this.runUid !== null) {
      try {
        const tmp = handOverRunDir(this.runDirPath, this.runUid);
        const user = `runbook-${this.runUid}`;
        sandboxEnv = { HOME: this.runDirPath, TMPDIR: tmp, USER: user, LOGNAME: user };
      } catch (error) {
        return this.failBeforeStart(
          'RUN_DIR_FAILED',
          `ERROR: Failed to give the run directory to the run's uid: ${errorText(error)}`,
        );
      }
    }
    if (this.isAborted) return this.cancelBeforeStart();

    const systemEnv = request.system
      ? buildSystemEnv({
          ...request.system,
          executionDir: root === configuredRoot ? root : null,
          runDirPath: this.runDirPath,
        })
      : {};
    const scriptEnv = this.buildEnv(sandboxEnv);
    if (!scriptEnv.ok) return this.failBeforeStart('INVALID_ENV_NAME', scriptEnv.message);
    const env = { ...scriptEnv.env, ...systemEnv, PWD: this.runDirPath };
    // Sandboxed: the limits are set in the script's own shell before it sources the script, so
    // no extra process is started; `$0` is the script path as when zsh runs the file.
    const zshArgs = settings.sandbox
      ? ['-c', limitsPrelude(settings.sandbox.limits), scriptPath]
      : [scriptPath];
    const [command, args] = interpreter.setprivPath
      ? [interpreter.setprivPath, ['--pdeathsig', 'KILL', interpreter.zshPath, ...zshArgs]]
      : [interpreter.zshPath, zshArgs];
    await this.spawnScript(command, args, env, interpreter.zshPath);
  }

  /** The script's environment (see `buildScriptEnv`), with the sandbox's own base values. */
  private buildEnv(baseOverrides: Record<string, string>) {
    const { settings, request } = this;
    return buildScriptEnv({
      serverEnv: settings.serverEnv,
      declaredEnv: request.declaredEnv,
      passthroughEnv: settings.passthroughEnv,
      secretEnvNames: settings.secretEnvNames,
      allowedControlEnv: settings.allowedControlEnv,
      envVars: request.envVars,
      baseOverrides,
    });
  }

  private async spawnScript(
    command: string,
    args: string[],
    env: Record<string, string>,
    zshPath: string,
  ): Promise<void> {
    let child: LaunchedProcess;
    try {
      child = await SpawnHost.get().launch({
        command,
        args,
        // The child enters cwd before it switches uids: a sandboxed script starts in the
        // execution root and its prelude moves into the run dir as the run's uid.
        cwd: (this.runUid === null ? this.runDirPath : dirname(this.runDirPath ?? '')) ?? undefined,
        env,
        uid: this.runUid,
      });
    } catch (error) {
      await this.failBeforeStart('SPAWN_FAILED', `ERROR: Failed to start zsh: ${errorText(error)}`);
      return;
    }
    const pid = child.pid;
    this.child = child;
    this.group = new ProcessGroup(pid);
    if (this.settings.orphanWatchdog) {
      this.watchdog = OrphanWatchdog.for(zshPath);
      this.watchdog.register(pid);
    }
    child.stdout.on('data', (chunk: Buffer) => this.onOutput('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => this.onOutput('stderr', chunk));
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) =>
      this.onExit(code, signal),
    );
    child.on('close', () => void this.onClose());
    child.on('error', () => undefined);
    if (Number.isFinite(this.settings.timeoutMs)) {
      this.timeoutTimer = setTimeout(() => this.onTimeout(), this.settings.timeoutMs);
    }
    this.abortController.signal.addEventListener('abort', this.onAbort);
    this.settings.signal?.addEventListener('abort', this.onAbort);
    if (this.isAborted) this.onAbort();
    if (this.settings.onSpawn && this.runDirPath) {
      try {
        this.settings.onSpawn({ pid, runDirPath: this.runDirPath });
      } catch {
        // A throwing hook must not break supervision of the running script.
      }
    }
  }

  private emit(event: DistributiveOmit<ExecutionEvent, 'seq'>): ExecutionEvent {
    this.seq += 1;
    const full: ExecutionEvent = { ...event, seq: this.seq };
    this.events.push(full);
    return full;
  }

  private onOutput(stream: OutputStreamName, chunk: Buffer): void {
    const channel = this.channels[stream];
    if (channel.limiter.isTruncated) return;
    this.accept(stream, channel.masker.push(channel.normalizer.push(channel.decoder.write(chunk))));
  }

  private accept(stream: OutputStreamName, text: string): void {
    if (text.length === 0) return;
    const channel = this.channels[stream];
    const kept = channel.limiter.take(text);
    if (kept.length > 0) {
      channel.parts.push(kept);
      this.emit({ type: stream, data: kept });
    }
    if (channel.limiter.isTruncated && !channel.truncationReported) {
      channel.truncationReported = true;
      this.emit({ type: 'truncated', stream, maxOutputBytes: channel.limiter.maxBytes });
    }
  }

  private readonly onAbort = (): void => {
    if (this.exit || this.finished) return;
    this.canceled = true;
    this.terminate();
  };

  private onTimeout(): void {
    this.timeoutTimer = null;
    if (this.exit || this.finished) return;
    this.timedOut = true;
    const message = timeoutMessage(this.settings.timeoutMs);
    this.channels.stderr.parts.push(message);
    this.emit({ type: 'stderr', data: message });
    this.terminate();
  }

  /** SIGTERM to the whole group now, SIGKILL after the grace period. */
  private terminate(): void {
    if (this.killStarted || !this.group) return;
    this.killStarted = true;
    this.group.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.forceKill(), this.settings.killGraceMs);
  }

  private forceKill(): void {
    this.killTimer = null;
    this.group?.signal('SIGKILL');
    this.sigkillSent?.();
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = { code, signal };
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
    this.detachAbort();
    // zsh is gone; whatever it left running in its group is terminated too (a run owns its group).
    if (!this.killStarted && this.group?.signal(0)) this.terminate();
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      this.child?.stdout.destroy();
      this.child?.stderr.destroy();
    }, this.settings.killGraceMs + PIPE_DRAIN_MS);
  }

  private async onClose(): Promise<void> {
    if (this.finished) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      const channel = this.channels[stream];
      if (!channel.limiter.isTruncated) {
        const rest = channel.masker.push(channel.normalizer.push(channel.decoder.end()));
        this.accept(stream, rest + channel.masker.end());
      }
    }
    if (this.killStarted) await this.waitForGroupGone();
    this.clearTimers();
    await this.finish(null);
  }

  /** Until no live member is left or SIGKILL went out (polling /proc with a short backoff). */
  private async waitForGroupGone(): Promise<void> {
    let delayMs = 5;
    while (this.killTimer && this.group?.hasLiveMembers()) {
      await Promise.race([sleep(delayMs), this.sigkillDone]);
      delayMs = Math.min(delayMs * 2, 200);
    }
  }

  private clearTimers(): void {
    for (const timer of [this.timeoutTimer, this.killTimer, this.drainTimer]) {
      if (timer) clearTimeout(timer);
    }
    this.timeoutTimer = this.killTimer = this.drainTimer = null;
    this.detachAbort();
  }

  private detachAbort(): void {
    this.abortController.signal.removeEventListener('abort', this.onAbort);
    this.settings.signal?.removeEventListener('abort', this.onAbort);
  }

  private cancelBeforeStart(): Promise<void> {
    this.canceled = true;
    return this.finish(null);
  }

  /** Ends a run that never started: the reference's stderr text, return code 1. */
  private failBeforeStart(
    code: ExecutionFailureCode,
    message: string,
    streamed = message,
  ): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.emit({ type: 'stderr', data: streamed });
    this.channels.stderr.parts.push(message);
    return this.finish({ code, message });
  }

  private async finish(failure: ExecutionResult['failure']): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.group) this.watchdog?.unregister(this.group.pgid);
    if (this.runUid === null && this.runDirPath) await removeRunDir(this.runDirPath);
    const truncated =
      this.channels.stdout.limiter.isTruncated || this.channels.stderr.limiter.isTruncated;
    let stderr = this.channels.stderr.parts.join('');
    if (truncated) stderr += truncationWarning(this.settings.maxOutputBytes);
    const exitCode = this.exit?.code ?? null;
    const signal = this.exit?.signal ?? null;
    const result: ExecutionResult = {
      id: this.id,
      runDir: this.runDirPath ? basename(this.runDirPath) : null,
      runDirPath: this.runDirPath,
      pid: this.child?.pid ?? null,
      exitCode,
      signal,
      returnCode: returnCodeOf(this.timedOut, exitCode, signal),
      timedOut: this.timedOut,
      canceled: this.canceled,
      outputTruncated: truncated,
      durationMs: performance.now() - this.startedAt,
      stdout: this.channels.stdout.parts.join(''),
      stderr,
      failure,
    };
    this.emit({ type: 'exit', result });
    this.events.end();
    this.resolveResult(result);
    // The caller's continuations of `result` go first; the sweep is off their path.
    await new Promise((resolve) => setImmediate(resolve));
    await this.cleanUpSandbox();
    this.resolveCleanedUp();
  }

  /**
   * After a sandboxed run: every process of its uid is killed (whatever escaped the group), the
   * run dir removed, and the uid given back. Runs after the result is out, off the caller's path.
   * A uid whose processes could not be swept is kept out of the pool.
   */
  private async cleanUpSandbox(): Promise<void> {
    const uid = this.runUid;
    const sandbox = this.settings.sandbox;
    if (uid === null || !sandbox) return;
    const swept = this.zshPath
      ? await sweepUid(this.zshPath, uid, this.runDirPath ?? undefined)
      : false;
    // The sweep emptied the dir as its uid; an empty dir needs no read access to be removed.
    if (this.runDirPath) await removeEmptiedRunDir(this.runDirPath);
    if (swept) sandbox.uids.release(uid);
  }
}

/** `Omit` that keeps a union a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The reference's `return_code`: -9 on timeout, the exit status, or minus the killing signal. */
function returnCodeOf(
  timedOut: boolean,
  exitCode: number | null,
  signal: NodeJS.Signals | null,
): number {
  if (timedOut) return -9;
  if (exitCode !== null) return exitCode;
  if (signal) return -(osConstants.signals[signal] ?? 0);
  return 1;
}

/** The configured execution dir when it is an existing directory, else the system temp dir. */
function executionRoot(executionDir: string | undefined): string {
  if (executionDir) {
    try {
      if (statSync(executionDir).isDirectory()) return executionDir;
    } catch {
      // Fall through to the temp dir, as the reference does.
    }
  }
  return tmpdir();
}

/** Eight lowercase hex digits for the run dir name: the id's own when it starts with them. */
function hexPrefix(id: string): string {
  const match = /^[0-9a-f]{8}/i.exec(id);
  return match ? match[0].toLowerCase() : randomBytes(4).toString('hex');
}

/** Removes a run dir: a cheap unlink+rmdir when only the script is left, a recursive rm otherwise. */
async function removeRunDir(path: string): Promise<void> {
  try {
    unlinkSync(join(path, SCRIPT_FILE_NAME));
    rmdirSync(path);
    return;
  } catch {
    // Something else is in there (inputs, files the script wrote): remove it all.
  }
  await fs.rm(path, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
}

/**
 * Removes a run dir the sweep emptied (only `rmdir` when the server may not look inside). Off the
 * result's path but on the event loop, so asynchronous: an rmdir waits on the file system journal.
 */
async function removeEmptiedRunDir(path: string): Promise<void> {
  try {
    await fs.rmdir(path);
  } catch {
    await removeRunDir(path);
  }
}

/** The message of a thrown value. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
