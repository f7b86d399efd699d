import type { RunbookListItem, RunbookListResponse } from '@runbooks/types';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { listLocalRunbooks, localListItem } from '../local-runbooks';
import { styleStatus } from '../run-status-style';
import { formatTimestamp, renderTable } from '../text-table';

/** Options of `runbook list`. */
export interface ListCommandOptions {
  json?: boolean;
}

/** `runbook list`: the runbooks of the folder or server. */
export async function runList(ctx: CommandContext, options: ListCommandOptions): Promise<number> {
  const body: RunbookListResponse = ctx.isRemote
    ? await ctx.api('list').listRunbooks()
    : {
        success: true,
        runbooks: listLocalRunbooks(ctx.runbooksDir, ctx.io.cwd).map(localListItem),
      };
  if (options.json) {
    ctx.printJson(body);
    return ExitCode.OK;
  }
  if (body.runbooks.length === 0) {
    ctx.note(ctx.isRemote ? `No runbooks on ${ctx.apiUrl}.` : `No runbooks in ${ctx.runbooksDir}.`);
    return ExitCode.OK;
  }
  const showCanRun = body.runbooks.some((item) => item.can_execute !== undefined);
  const headers = ['FILE', 'NAME', ...(showCanRun ? ['CAN RUN'] : []), 'LAST RUN', 'DESCRIPTION'];
  const rows = body.runbooks.map((item) => [
    item.filename,
    item.name,
    ...(showCanRun
      ? [
          item.executable === false
            ? ctx.out.dim('doc only')
            : item.can_execute === undefined
              ? '-'
              : item.can_execute
                ? 'yes'
                : ctx.out.dim('no'),
        ]
      : []),
    lastRun(item, ctx),
    summary(item.description),
  ]);
  ctx.print(
    renderTable(headers, rows, ctx.out, ctx.io.stdout.isTTY ? { maxWidth: ctx.width } : {}),
  );
  return ExitCode.OK;
}

function lastRun(item: RunbookListItem, ctx: CommandContext): string {
  const run = item.last_run;
  if (!run) return ctx.out.dim('never');
  return `${styleStatus(run.status, ctx.out)} ${formatTimestamp(run.finished_at ?? run.created_at)}`;
}

/** The first sentence (or line) of a description, on one line. */
export function summary(description: string | undefined): string {
  if (!description) return '';
  const flat = description.replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?[.!?])(\s|$)/.exec(flat);
  return sentence?.[1] ?? flat;
}
