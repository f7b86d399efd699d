import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { styleStatus } from '../run-status-style';

/** Options of `runbook cancel`. */
export interface CancelCommandOptions {
  reason?: string;
  json?: boolean;
}

/** `runbook cancel <run-id>`: asks the server to cancel a run (its whole process tree is killed). */
export async function runCancel(
  ctx: CommandContext,
  runId: string,
  options: CancelCommandOptions,
): Promise<number> {
  const run = await ctx.api('cancel').cancelRun(runId, options.reason);
  if (options.json) {
    ctx.printJson(run);
  } else {
    ctx.print(
      `Run ${run.id ?? runId} of ${run.runbook ?? '?'}: ${styleStatus(run.status, ctx.out)}\n`,
    );
  }
  return ExitCode.OK;
}
