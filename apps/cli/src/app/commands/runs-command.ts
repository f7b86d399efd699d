import { isRunStatus, RUN_STATUSES } from '@runbooks/history';
import type { RunListResponse, RunRecord, RunStatus } from '@runbooks/types';
import type { RunQuery } from '../api-client';
import { parseLabels } from '../assignments';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import { listLocalRunbooks, localRuns, type LocalRun } from '../local-runbooks';
import { styleStatus } from '../run-status-style';
import { remoteRunbookFilename } from '../runbook-resolver';
import { durationBetween, formatTimestamp, renderTable } from '../text-table';

/** Options of `runbook runs`. */
export interface RunsCommandOptions {
  status?: string;
  runbook?: string;
  requestedBy?: string;
  label?: string[];
  limit?: string;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/** Default page size of `runbook runs`. */
const DEFAULT_LIMIT = 20;
/** Safety cap for `--all`. */
const MAX_ALL_RUNS = 10_000;

/** Parses `--limit`. */
export function parseLimit(text: string | undefined, fallback = DEFAULT_LIMIT): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new CliError('USAGE', `--limit ${text}: expected a whole number from 1 to 500`);
  }
  return limit;
}

/** Parses `--status a,b`: a usage error (64) names an unknown status and lists the known ones. */
export function parseStatuses(text: string | undefined): RunStatus[] | null {
  if (!text) return null;
  const statuses = text
    .split(',')
    .map((status) => status.trim())
    .filter(Boolean);
  const unknown = statuses.filter((status) => !isRunStatus(status));
  if (unknown.length > 0)
    throw new CliError(
      'USAGE',
      `--status ${unknown.join(',')}: unknown status; expected one of ${RUN_STATUSES.join(', ')}`,
    );
  return statuses.filter(isRunStatus);
}

/** `runbook runs`: recent runs (server run records, or History entries locally), newest first. */
export async function runRuns(ctx: CommandContext, options: RunsCommandOptions): Promise<number> {
  const limit = parseLimit(options.limit);
  const statuses = parseStatuses(options.status);
  if (!ctx.isRemote) return localRunsList(ctx, options, limit);
  const client = ctx.api('runs');
  const query: RunQuery = {
    ...(statuses ? { status: statuses } : {}),
    ...(options.runbook ? { runbook: remoteRunbookFilename(options.runbook) } : {}),
    ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
    labels: parseLabels(options.label ?? []),
    limit,
    ...(options.cursor ? { cursor: options.cursor } : {}),
  };
  let body: RunListResponse = await client.listRuns(query);
  if (options.all) {
    const data = [...body.data];
    let next = body.links.next;
    while (next && data.length < MAX_ALL_RUNS) {
      const page = await client.listRunsNext(next, query);
      data.push(...page.data);
      next = page.links.next;
    }
    body = { data, links: { next: null } };
  }
  if (options.json) {
    ctx.printJson(body);
    return ExitCode.OK;
  }
  if (body.data.length === 0) {
    ctx.note('No runs match.');
    return ExitCode.OK;
  }
  const rows = body.data.map((run: Partial<RunRecord>) => [
    run.id ?? '-',
    run.runbook ?? '-',
    styleStatus(run.status ?? '-', ctx.out),
    run.return_code === null || run.return_code === undefined ? '-' : String(run.return_code),
    run.requested_by || '-',
    startedVia(run),
    formatTimestamp(run.created_at),
    durationBetween(run.started_at, run.finished_at),
  ]);
  const headers = ['ID', 'RUNBOOK', 'STATUS', 'EXIT', 'BY', 'VIA', 'CREATED', 'DURATION'];
  // Only when a listed run waits (Concurrency limit, lock, server-wide limit): what for.
  if (body.data.some((run) => run.waiting_for)) {
    headers.push('WAITING FOR');
    body.data.forEach((run, index) => rows[index]?.push(waitingText(run)));
  }
  ctx.print(renderTable(headers, rows, ctx.out, { alignRight: [3] }));
  if (body.links.next) {
    ctx.note(
      ctx.err.dim(`More runs: runbook runs --cursor ${cursorHint(body.links.next)} (or --all)`),
    );
  }
  return ExitCode.OK;
}

/** Why a queued run waits, with its place in line: `#2 lock prod-db, held by run <id>`. */
export function waitingText(run: Partial<RunRecord>): string {
  if (!run.waiting_for) return '-';
  return run.queue_position ? `#${run.queue_position} ${run.waiting_for}` : run.waiting_for;
}

/** What started a run: `api`, or `mcp:<client>` for an agent (`-` from servers that do not say). */
export function startedVia(run: Partial<RunRecord>): string {
  if (run.trigger === 'mcp') return run.client ? `mcp:${run.client}` : 'mcp';
  return run.trigger ?? '-';
}

function cursorHint(next: string): string {
  const match = /[?&]cursor=([^&]+)/.exec(next);
  return match?.[1] ? decodeURIComponent(match[1]) : next;
}

function localRunsList(ctx: CommandContext, options: RunsCommandOptions, limit: number): number {
  if (options.requestedBy || (options.label ?? []).length > 0 || options.cursor) {
    throw new CliError(
      'USAGE',
      '--requested-by, --label and --cursor need a server (runs recorded by the API)',
    );
  }
  const runbook = options.runbook ? remoteRunbookFilename(options.runbook) : null;
  const statuses = parseStatuses(options.status);
  const runbooks = listLocalRunbooks(ctx.runbooksDir, ctx.io.cwd).filter(
    (loaded) => runbook === null || loaded.file.filename === runbook,
  );
  if (runbook !== null && runbooks.length === 0) {
    throw new CliError('NOT_FOUND', `Runbook not found: ${runbook} (looked in ${ctx.runbooksDir})`);
  }
  const all = localRuns(runbooks).filter(
    (run) => statuses === null || statuses.includes(run.status),
  );
  const page: LocalRun[] = options.all ? all : all.slice(0, limit);
  if (options.json) {
    ctx.printJson({ data: page, links: { next: null } });
    return ExitCode.OK;
  }
  if (page.length === 0) {
    ctx.note('No runs recorded in the History sections.');
    return ExitCode.OK;
  }
  const rows = page.map((run) => [
    run.id,
    styleStatus(run.status, ctx.out),
    run.return_code === null ? '-' : String(run.return_code),
    formatTimestamp(run.finished_at),
  ]);
  ctx.print(renderTable(['ID', 'STATUS', 'EXIT', 'FINISHED'], rows, ctx.out, { alignRight: [2] }));
  if (page.length < all.length)
    ctx.note(ctx.err.dim(`${all.length - page.length} older runs not shown (--limit, --all)`));
  return ExitCode.OK;
}
