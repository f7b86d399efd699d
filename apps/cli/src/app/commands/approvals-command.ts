import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { styleStatus } from '../run-status-style';
import { formatTimestamp, renderTable } from '../text-table';
import { parseLimit } from './runs-command';

/** Options of `runbook approvals`. */
export interface ApprovalsCommandOptions {
  limit?: string;
  json?: boolean;
}

/** `runbook approvals`: the runs waiting for an approval the caller could give now. */
export async function runApprovals(
  ctx: CommandContext,
  options: ApprovalsCommandOptions,
): Promise<number> {
  const body = await ctx.api('approvals').listApprovals(parseLimit(options.limit));
  if (options.json) {
    ctx.printJson(body);
    return ExitCode.OK;
  }
  if (body.data.length === 0) {
    ctx.note('Nothing waits for your approval.');
    return ExitCode.OK;
  }
  const rows = body.data.map((run) => [
    run.id ?? '-',
    run.runbook ?? '-',
    run.requested_by || '-',
    `${run.approval?.approvals.length ?? 0}/${run.approval?.required ?? '?'}`,
    (run.env_var_names ?? []).join(',') || '-',
    formatTimestamp(run.created_at),
    formatTimestamp(run.approval?.expires_at),
  ]);
  ctx.print(
    renderTable(
      ['ID', 'RUNBOOK', 'REQUESTED BY', 'APPROVALS', 'VARIABLES', 'REQUESTED', 'EXPIRES'],
      rows,
      ctx.out,
    ),
  );
  ctx.note(
    ctx.err.dim('Decide with: runbook approve <id> [--comment …] | runbook reject <id> --reason …'),
  );
  return ExitCode.OK;
}

/** Options of `runbook approve`. */
export interface ApproveCommandOptions {
  comment?: string;
  json?: boolean;
}

/** `runbook approve <run-id>`: records the caller's approval (the last one starts the run). */
export async function runApprove(
  ctx: CommandContext,
  runId: string,
  options: ApproveCommandOptions,
): Promise<number> {
  const run = await ctx.api('approve').approveRun(runId, options.comment);
  if (options.json) {
    ctx.printJson(run);
    return ExitCode.OK;
  }
  const gate = run.approval;
  const count = gate ? ` (${gate.approvals.length} of ${gate.required} approvals)` : '';
  ctx.print(`Run ${run.id} of ${run.runbook}: ${styleStatus(run.status, ctx.out)}${count}\n`);
  if (run.status === 'expired' && run.errors.length > 0) ctx.note(run.errors.join('\n'));
  return ExitCode.OK;
}

/** Options of `runbook reject`. */
export interface RejectCommandOptions {
  reason?: string;
  json?: boolean;
}

/** `runbook reject <run-id> --reason …`: ends a run waiting for approval `rejected`. */
export async function runReject(
  ctx: CommandContext,
  runId: string,
  options: RejectCommandOptions,
): Promise<number> {
  const reason = options.reason?.trim() ?? '';
  if (reason === '') throw new CliError('USAGE', 'reject needs --reason <text> (1-500 characters)');
  const run = await ctx.api('reject').rejectRun(runId, reason);
  if (options.json) ctx.printJson(run);
  else ctx.print(`Run ${run.id} of ${run.runbook}: ${styleStatus(run.status, ctx.out)}\n`);
  return ExitCode.OK;
}
