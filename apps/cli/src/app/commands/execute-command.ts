import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { execute } from '@runbooks/executor';
import { MarkdownHistory } from '@runbooks/history';
import {
  formatHistoryEntry,
  hasConcurrencyRules,
  resolveEnvValues,
  secretValuesOf,
  SECTION_TITLES,
} from '@runbooks/runbook-format';
import type { ExecuteRequest, ExecuteResult, RunStatus } from '@runbooks/types';
import { parseLabels } from '../assignments';
import { CliError } from '../cli-error';
import { interruptExitCode, type InterruptSignal } from '../cli-io';
import type { CommandContext } from '../command-context';
import { diagnosticJson, locateMessages } from '../diagnostic-output';
import { ExitCode } from '../exit-codes';
import {
  allDiagnostics,
  CANCELED_MARKER,
  isDocumentationOnly,
  loadLocalRunbook,
  validateLocalRunbook,
} from '../local-runbooks';
import { exitCodeForLocalRun, exitCodeForRemoteRun } from '../run-exit-code';
import { promptForMissing } from '../prompt-variables';
import { suggestOnNotFound } from '../remote-suggestion';
import { followRun } from '../run-follower';
import { remoteRunbookFilename, resolveLocalRunbook } from '../runbook-resolver';
import { Spinner } from '../spinner';
import { HeldStderr, reportValidationFailure } from '../validation-report';

/** Options of `runbook execute`. */
export interface ExecuteCommandOptions {
  env?: string[];
  envFile?: string[];
  label?: string[];
  detach?: boolean;
  history?: boolean;
  executionDir?: string;
  timeout?: string;
  passEnv?: string[];
  json?: boolean;
}

/** How long to wait for the server to confirm a cancel before giving up. */
const CANCEL_WAIT_MS = 30_000;

/** `runbook execute <runbook>`: runs it with live output; exits with the script's code. */
export function runExecute(
  ctx: CommandContext,
  argument: string,
  options: ExecuteCommandOptions,
): Promise<number> {
  return ctx.isRemote
    ? executeRemote(ctx, argument, options)
    : executeLocal(ctx, argument, options);
}

/** Default local timeout: `SCRIPT_TIMEOUT_SECONDS` as the server reads it, else 600 s. */
function timeoutMs(ctx: CommandContext, option: string | undefined): number {
  const text = option ?? ctx.io.env['SCRIPT_TIMEOUT_SECONDS'];
  if (text === undefined || text.trim() === '') return 600_000;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new CliError('USAGE', `--timeout ${text}: expected a number of seconds (0 = no limit)`);
  }
  return seconds === 0 ? Infinity : Math.max(1, Math.round(seconds * 1000));
}

async function executeLocal(
  ctx: CommandContext,
  argument: string,
  options: ExecuteCommandOptions,
): Promise<number> {
  if (options.detach) {
    throw new CliError(
      'USAGE',
      '--detach needs a server to run on: pass --api-url or set RUNBOOK_API_URL',
    );
  }
  const limitMs = timeoutMs(ctx, options.timeout);
  let executionDir: string | undefined;
  if (options.executionDir !== undefined) {
    executionDir = resolve(ctx.io.cwd, options.executionDir);
    let isDir = false;
    try {
      isDir = statSync(executionDir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir)
      throw new CliError(
        'USAGE',
        `--execution-dir ${options.executionDir}: not an existing folder`,
      );
  }
  if ((options.label ?? []).length > 0)
    ctx.warn('--label is only stored by a server; ignored for a local run');
  const file = resolveLocalRunbook(argument, ctx.runbooksDir, ctx.io.cwd);
  const loaded = loadLocalRunbook(file);
  if (isDocumentationOnly(loaded.runbook))
    throw new CliError(
      'FAILED',
      `${file.display} is documentation only: it has no Script section, so there is nothing to run.`,
    );
  // A gate is enforced by a server; running the file here would skip it.
  if (loaded.runbook.sections.some((section) => section.title === SECTION_TITLES.approval))
    throw new CliError(
      'FAILED',
      `${file.display} has an Approval section: each run needs an approval, which only a server can collect. Run it on a server (--server) instead.`,
    );
  const given = ctx.readEnvOptions(options.env, options.envFile);
  const environment = loaded.runbook.environment ?? [];
  // Locally the user's own environment stands in for the server's (`from` secrets included).
  const asked = await promptForMissing(
    ctx,
    environment,
    (name) => name in given || ctx.io.env[name] !== undefined,
  );
  const callerValues = { ...given, ...asked };
  const validation = validateLocalRunbook(loaded, { ...ctx.io.env, ...callerValues });
  const script = loaded.runbook.script;
  if (!validation.valid || script === null) {
    reportValidationFailure(
      ctx,
      allDiagnostics(loaded, validation).map((diagnostic) =>
        diagnosticJson(file.display, diagnostic),
      ),
    );
    if (options.json) {
      ctx.printJson({
        success: false,
        runbook: file.filename,
        return_code: 1,
        stdout: '',
        stderr: validation.errors.join('\n'),
        errors: validation.errors,
        warnings: validation.warnings,
      } satisfies ExecuteResult);
    }
    return ExitCode.FAILURE;
  }
  for (const warning of validation.warnings) ctx.warn(warning);
  const concurrency = loaded.runbook.concurrency;
  if (concurrency && hasConcurrencyRules(concurrency))
    ctx.warn(
      'Concurrency limits and locks are enforced by a server; this local run does not wait for them',
    );
  const resolved = resolveEnvValues(environment, { ...ctx.io.env, ...callerValues });
  const envVars = { ...callerValues, ...resolved };
  const secretValues = secretValuesOf(environment, { ...ctx.io.env, ...envVars });

  const controller = new AbortController();
  let interruptedBy: InterruptSignal | null = null;
  const stopListening = ctx.io.onInterrupt((signal) => {
    if (interruptedBy !== null) return;
    interruptedBy = signal;
    ctx.note(ctx.err.yellow('Interrupted: stopping the run…'));
    controller.abort();
  });
  let result;
  try {
    const execution = execute(
      {
        script: script.content,
        runbookDir: file.dir,
        inputs: loaded.runbook.inputs ?? [],
        declaredEnv: (loaded.runbook.environment ?? []).map((variable) => variable.name),
        envVars,
        secretValues,
        system: {
          correlationId: randomUUID(),
          runbookUrl: '',
          recursionStack: [file.filename],
        },
      },
      {
        executionDir,
        serverEnv: ctx.io.env,
        // Local mode runs the user's own script: the declared variables come from the user's
        // environment too (the server never does this; it passes only ENV_PASSTHROUGH).
        passthroughEnv: [
          ...(options.passEnv ?? []),
          ...(loaded.runbook.environment ?? []).map((variable) => variable.name),
        ],
        timeoutMs: limitMs,
        signal: controller.signal,
      },
    );
    for await (const event of execution.events) {
      if (options.json) continue;
      if (event.type === 'stdout') ctx.io.stdout.write(event.data);
      else if (event.type === 'stderr') ctx.io.stderr.write(event.data);
      else if (event.type === 'truncated') {
        ctx.warn(
          `${event.stream} passed ${event.maxOutputBytes} bytes; the rest is neither shown nor kept`,
        );
      }
    }
    result = await execution.result;
  } finally {
    stopListening();
  }
  const stderr = result.canceled
    ? `${result.stderr}${result.stderr.endsWith('\n') || result.stderr === '' ? '' : '\n'}${CANCELED_MARKER}\n`
    : result.stderr;
  if (options.history !== false) {
    await new MarkdownHistory().append(
      file.path,
      formatHistoryEntry({
        timestamp: ctx.now(),
        exitCode: result.returnCode,
        stdout: result.stdout,
        stderr,
      }),
    );
  }
  if (options.json) {
    ctx.printJson({
      success: result.returnCode === 0 && !result.canceled && !result.timedOut,
      runbook: file.filename,
      return_code: result.returnCode,
      stdout: result.stdout,
      stderr,
      errors: result.failure ? [result.failure.message] : [],
      warnings: validation.warnings,
      run_id: result.id,
    } satisfies ExecuteResult);
  }
  if (interruptedBy !== null) return interruptExitCode(interruptedBy);
  return exitCodeForLocalRun(result);
}

async function executeRemote(
  ctx: CommandContext,
  argument: string,
  options: ExecuteCommandOptions,
): Promise<number> {
  ctx.requireLocal('--no-history', options.history === false);
  ctx.requireLocal('--execution-dir', options.executionDir !== undefined);
  ctx.requireLocal('--timeout', options.timeout !== undefined);
  ctx.requireLocal('--pass-env', (options.passEnv ?? []).length > 0);
  const client = ctx.api('execute');
  const filename = remoteRunbookFilename(argument);
  const labels = parseLabels(options.label ?? []);
  const given = ctx.readEnvOptions(options.env, options.envFile);
  if (ctx.io.prompt) {
    // On a terminal, ask for what the runbook needs and nobody gave (the server's declarations).
    const declared = await suggestOnNotFound(client, filename, () => client.requiredEnv(filename));
    const provided = new Set(declared.available.map((v) => v.name));
    Object.assign(
      given,
      await promptForMissing(ctx, declared.required, (name) => name in given || provided.has(name)),
    );
  }
  const request: ExecuteRequest = {
    env_vars: given,
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };

  if (options.detach) {
    const accepted = await suggestOnNotFound(client, filename, () =>
      client.executeDetached(filename, request),
    );
    if (options.json) {
      ctx.printJson(accepted);
    } else {
      ctx.print(`${accepted.run_id}\n`);
      if (accepted.status === 'pending_approval') {
        ctx.note(
          `Run ${accepted.run_id} of ${filename} waits for approval (${accepted.approval?.required ?? 1} needed, until ${accepted.approval?.expires_at ?? '?'}).`,
        );
        ctx.note(
          `Approvers decide with: runbook approve ${accepted.run_id} (see runbook approvals)`,
        );
      } else {
        ctx.note(`Started run ${accepted.run_id} of ${filename} (${accepted.status}).`);
      }
      ctx.note(`Follow it with: runbook logs ${accepted.run_id} --follow`);
    }
    return ExitCode.OK;
  }

  const spinner = new Spinner(ctx.io.stderr, `Starting ${filename}…`);
  if (!options.json) spinner.start();
  const controller = new AbortController();
  let runId: string | null = null;
  let pending = false;
  let interruptedBy: InterruptSignal | null = null;
  let cancelSent = false;
  let giveUp: NodeJS.Timeout | null = null;
  const sendCancel = (): void => {
    if (cancelSent || runId === null) return;
    cancelSent = true;
    const id = runId;
    client.cancelRun(id, 'Interrupted from the runbook CLI').then(
      () => undefined,
      (error: unknown) => {
        ctx.warn(
          `could not cancel run ${id}: ${error instanceof Error ? error.message : String(error)}`,
        );
        controller.abort();
      },
    );
    giveUp = setTimeout(() => controller.abort(), CANCEL_WAIT_MS);
    giveUp.unref();
  };
  const stopListening = ctx.io.onInterrupt((signal) => {
    spinner.stop();
    if (interruptedBy !== null) {
      controller.abort();
      return;
    }
    interruptedBy = signal;
    ctx.note(
      ctx.err.yellow(
        runId === null
          ? 'Interrupted: canceling the run…'
          : `Interrupted: canceling run ${runId}… (press Ctrl-C again to stop waiting)`,
      ),
    );
    sendCancel();
  });

  const stderr = new HeldStderr((text) => ctx.io.stderr.write(text));
  let outcome;
  try {
    const stream = await suggestOnNotFound(client, filename, () =>
      client.executeStream(filename, request, controller.signal),
    );
    runId = stream.runId;
    if (interruptedBy !== null) sendCancel();
    if (stream.pendingApproval) {
      const gate = stream.pendingApproval.approval;
      spinner.stop();
      ctx.note(
        `Run ${runId ?? '?'} of ${filename} needs ${gate?.required ?? 1} approval(s) before it starts (until ${gate?.expires_at ?? '?'}): runbook approve ${runId ?? '<id>'}`,
      );
      if (!options.json) spinner.start();
      spinner.update(`Waiting for approval of run ${runId ?? '?'}… (Ctrl-C withdraws the request)`);
    } else {
      spinner.update(`Waiting for ${filename} to start${runId ? ` (run ${runId})` : ''}…`);
    }
    pending = stream.pendingApproval !== undefined;
    outcome = await followRun({
      client,
      runId,
      initial: stream,
      signal: controller.signal,
      onOutput: (streamName, data) => {
        spinner.stop();
        if (options.json) return;
        stderr.output(streamName, data, (text) => ctx.io.stdout.write(text));
      },
      onReconnect: (attempt) => {
        ctx.note(
          ctx.err.dim(`Connection lost; re-attaching to run ${runId ?? ''} (attempt ${attempt})…`),
        );
      },
    });
  } catch (error) {
    if (!(controller.signal.aborted && interruptedBy !== null)) throw error;
    outcome = { done: null, lastEventId: null };
  } finally {
    stopListening();
    spinner.stop();
    if (giveUp) clearTimeout(giveUp);
    if (!outcome?.done) stderr.release();
  }

  if (outcome.done === null) {
    const code = interruptExitCode(interruptedBy ?? 'SIGINT');
    ctx.note(
      runId === null
        ? 'Stopped waiting; the run may still be going on the server.'
        : `Stopped waiting; run ${runId} may still be running (runbook cancel ${runId}).`,
    );
    return code;
  }
  const done = outcome.done;
  if (pending && !done.success && runId !== null && !options.json) {
    // Say how the request ended when it never ran (rejected, expired, canceled).
    const run = await client.getRun(runId).catch(() => null);
    if (run && run.started_at === null) {
      const gate = run.approval;
      ctx.note(
        run.status === 'rejected'
          ? `Run ${runId} was rejected by ${gate?.rejected_by ?? 'unknown'}: ${gate?.reason ?? ''}`
          : `Run ${runId} ended ${run.status} without running${run.errors.length > 0 ? `: ${run.errors.join('; ')}` : ''}`,
      );
      return ExitCode.FAILURE;
    }
  }
  if (!options.json && stderr.isOnlyRefusal(done.errors)) {
    stderr.discard();
    reportValidationFailure(
      ctx,
      locateMessages(filename, { errors: done.errors, warnings: [] }, []),
    );
    return ExitCode.FAILURE;
  }
  stderr.release();
  if (options.json) ctx.printJson({ ...done, run_id: done.run_id ?? runId ?? undefined });
  if (interruptedBy !== null) return interruptExitCode(interruptedBy);
  let status: RunStatus | null = null;
  const id = done.run_id ?? runId;
  if (done.return_code < 0 && id) {
    // Only the run record tells a timeout or a cancel by someone else from another kill.
    status = await client.getRun(id).then(
      (run) => run.status,
      () => null,
    );
  }
  return exitCodeForRemoteRun(done, status);
}
