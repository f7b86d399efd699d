import { TERMINAL_STATUSES, type RunRecord } from '@runbooks/types';
import { CliError } from '../cli-error';
import { interruptExitCode, type InterruptSignal } from '../cli-io';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { listLocalRunbooks, localRuns } from '../local-runbooks';
import { exitCodeForRemoteRun } from '../run-exit-code';
import { followRun } from '../run-follower';

/** Options of `runbook logs`. */
export interface LogsCommandOptions {
  follow?: boolean;
  after?: string;
  json?: boolean;
}

/**
 * `runbook logs <run-id>`: a run's output (stdout to stdout, stderr to stderr). With --follow it
 * waits for the end, re-attaching after dropped connections, and exits with the run's exit code.
 */
export async function runLogs(
  ctx: CommandContext,
  runId: string,
  options: LogsCommandOptions,
): Promise<number> {
  if (!ctx.isRemote) return localLogs(ctx, runId, options);
  const client = ctx.api('logs');
  const json = options.json === true;
  const writeEvent = (event: string, data: unknown, id: string | null): void => {
    if (json) {
      ctx.print(`${JSON.stringify({ event, id, data })}\n`);
    } else if (event === 'stdout' || event === 'stderr') {
      (event === 'stdout' ? ctx.io.stdout : ctx.io.stderr).write(String(data));
    }
  };

  let follow = options.follow === true;
  if (!follow) {
    const run = await client.getRun(runId);
    if (!TERMINAL_STATUSES.includes(run.status)) {
      // Not finished and not following: show what the record holds so far.
      writeTail(run, writeEvent);
      noteAgentRun(ctx, run);
      if (run.waiting_for) {
        const place = run.queue_position ? ` (position ${run.queue_position} in line)` : '';
        ctx.note(ctx.err.dim(`Run ${runId} waits for ${run.waiting_for}${place}.`));
      }
      ctx.note(
        ctx.err.dim(
          `Run ${runId} is ${run.status}; this is its output so far (--follow waits for the end).`,
        ),
      );
      return ExitCode.OK;
    }
    noteAgentRun(ctx, run);
    // Finished: the event stream replays the whole output and ends.
    follow = true;
  }

  const controller = new AbortController();
  let interruptedBy: InterruptSignal | null = null;
  const stopListening = ctx.io.onInterrupt((signal) => {
    interruptedBy = signal;
    controller.abort();
  });
  let outcome;
  try {
    outcome = await followRun({
      client,
      runId,
      lastEventId: options.after ?? null,
      signal: controller.signal,
      onOutput: (stream, data, id) => writeEvent(stream, data, id),
      onReconnect: (attempt) =>
        ctx.note(
          ctx.err.dim(`Connection lost; re-attaching to run ${runId} (attempt ${attempt})…`),
        ),
    });
  } finally {
    stopListening();
  }
  if (outcome.done === null) {
    const resume = outcome.lastEventId === null ? '' : ` --after ${outcome.lastEventId}`;
    ctx.note(
      `Stopped following run ${runId}; resume with: runbook logs ${runId} --follow${resume}`,
    );
    return interruptExitCode(interruptedBy ?? 'SIGINT');
  }
  if (json) writeEvent('done', outcome.done, outcome.lastEventId);
  if (!options.follow) return ExitCode.OK;
  const status = await client.getRun(runId).then(
    (run) => run.status,
    () => null,
  );
  return exitCodeForRemoteRun(outcome.done, status);
}

/** Says on stderr when an agent started the run through MCP (and with which client). */
function noteAgentRun(ctx: CommandContext, run: RunRecord): void {
  if (run.trigger !== 'mcp') return;
  ctx.note(
    ctx.err.dim(
      `Run ${run.id} was started through MCP by ${run.requested_by || 'unknown'} with ${run.client ?? 'an unknown client'}.`,
    ),
  );
}

function writeTail(
  run: RunRecord,
  write: (event: string, data: unknown, id: string | null) => void,
): void {
  if (run.stdout) write('stdout', run.stdout, null);
  if (run.stderr) write('stderr', run.stderr, null);
}

function localLogs(ctx: CommandContext, runId: string, options: LogsCommandOptions): number {
  if (options.follow)
    throw new CliError(
      'USAGE',
      '--follow needs a server: local runs are only read back from History',
    );
  const match = /^(.+\.md)#(\d+)$/.exec(runId);
  if (!match) {
    throw new CliError(
      'USAGE',
      `'${runId}' is not a local run id: use <file>#<n> as \`runbook runs\` lists them (e.g. SimpleRunbook.md#3), or --api-url for server runs`,
    );
  }
  const runbook = listLocalRunbooks(ctx.runbooksDir, ctx.io.cwd).find(
    (loaded) => loaded.file.filename === match[1],
  );
  const run = runbook
    ? localRuns([runbook]).find((candidate) => candidate.id === runId)
    : undefined;
  if (!run) throw new CliError('NOT_FOUND', `Run not found: ${runId}`);
  if (options.json) {
    ctx.printJson(run);
    return ExitCode.OK;
  }
  if (run.stdout) ctx.io.stdout.write(run.stdout.endsWith('\n') ? run.stdout : `${run.stdout}\n`);
  if (run.stderr) ctx.io.stderr.write(run.stderr.endsWith('\n') ? run.stderr : `${run.stderr}\n`);
  for (const error of run.errors) ctx.io.stderr.write(`${error}\n`);
  return ExitCode.OK;
}
