import { checkSchedule, nextScheduledFire, SECTION_TITLES } from '@runbooks/runbook-format';
import type { ScheduleInfo, ScheduleListResponse } from '@runbooks/types';

import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { listLocalRunbooks, type LoadedRunbook } from '../local-runbooks';
import { styleStatus } from '../run-status-style';
import { formatTimestamp, renderTable } from '../text-table';

/** Options of `runbook schedules`. */
export interface SchedulesCommandOptions {
  json?: boolean;
}

/**
 * `runbook schedules`: the runbooks' `# Schedule`s with their next fire; from a server also the
 * last fire, its status and whether the scheduler may run them. Exits 1 when one is in error.
 */
export async function runSchedules(
  ctx: CommandContext,
  options: SchedulesCommandOptions,
): Promise<number> {
  const body: ScheduleListResponse = ctx.isRemote
    ? await ctx.api('schedules').listSchedules()
    : {
        data: listLocalRunbooks(ctx.runbooksDir, ctx.io.cwd)
          .filter((loaded) =>
            loaded.runbook.sections.some((s) => s.title === SECTION_TITLES.schedule),
          )
          .map(localScheduleInfo),
      };
  const inError = body.data.some((info) => info.error !== null);
  if (options.json) {
    ctx.printJson(body);
    return inError ? ExitCode.FAILURE : ExitCode.OK;
  }
  if (body.data.length === 0) {
    ctx.note(
      ctx.isRemote ? `No schedules on ${ctx.apiUrl}.` : `No schedules in ${ctx.runbooksDir}.`,
    );
    return ExitCode.OK;
  }
  const headers = [
    'RUNBOOK',
    'CRON',
    'TIME ZONE',
    'NEXT FIRE',
    'LAST FIRE',
    'LAST STATUS',
    'AUTHORIZED',
  ];
  const rows = body.data.map((info) => [
    info.runbook,
    info.cron ?? ctx.out.red('invalid'),
    info.timezone ?? '-',
    info.error !== null
      ? ctx.out.red('never')
      : !info.enabled
        ? ctx.out.dim('disabled')
        : info.next_fire_at
          ? formatTimestamp(info.next_fire_at)
          : ctx.out.dim('never'),
    info.last_fire_at
      ? formatTimestamp(info.last_fire_at)
      : ctx.out.dim(ctx.isRemote ? 'never' : '-'),
    info.last_status ? styleStatus(info.last_status, ctx.out) : '-',
    !ctx.isRemote ? '-' : info.authorized ? 'yes' : ctx.out.red('no'),
  ]);
  ctx.print(
    renderTable(headers, rows, ctx.out, ctx.io.stdout.isTTY ? { maxWidth: ctx.width } : {}),
  );
  for (const info of body.data) {
    if (info.error !== null) ctx.note(`${info.runbook}: ${info.error}`);
  }
  return inError ? ExitCode.FAILURE : ExitCode.OK;
}

/**
 * A local runbook's schedule. No fires are known locally, and whether the scheduler may run it
 * is the server's call (SCHEDULER_CLAIMS): `authorized` is not shown.
 */
function localScheduleInfo(loaded: LoadedRunbook): ScheduleInfo {
  const { runbook } = loaded;
  const problems = checkSchedule(runbook).filter((found) => found.severity === 'error');
  const schedule = problems.length === 0 ? runbook.schedule : null;
  const next = schedule?.enabled ? nextScheduledFire(schedule, new Date()) : null;
  return {
    runbook: loaded.file.filename,
    cron: schedule?.cron ?? null,
    timezone: schedule?.timezone ?? null,
    enabled: schedule?.enabled ?? false,
    next_fire_at: next ? next.toISOString() : null,
    last_fire_at: null,
    last_run_id: null,
    last_status: null,
    authorized: true,
    error: schedule
      ? null
      : problems.map((found) => found.message).join('; ') || 'Schedule section could not be read',
  };
}
