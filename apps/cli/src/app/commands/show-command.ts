import { parseRunbook, SECTION_TITLES, type HistoryEntry } from '@runbooks/runbook-format';
import type { RunbookContentResponse } from '@runbooks/types';
import { claimsAdvice } from '../claims-advice';
import type { CommandContext } from '../command-context';
import { plural } from '../diagnostic-output';
import { ExitCode } from '../exit-codes';
import { loadLocalRunbook, statusOfHistoryEntry } from '../local-runbooks';
import { renderMarkdown } from '../markdown-terminal';
import { styleStatus } from '../run-status-style';
import { suggestOnNotFound } from '../remote-suggestion';
import { remoteRunbookFilename, resolveLocalRunbook } from '../runbook-resolver';
import { formatTimestamp, renderTable } from '../text-table';

/** Options of `runbook show`. */
export interface ShowCommandOptions {
  raw?: boolean;
  history?: boolean;
  json?: boolean;
}

/** How many recent History entries the summary lists. */
const RECENT_RUNS = 5;

/** `runbook show <runbook>`: the runbook rendered for a terminal. */
export async function runShow(
  ctx: CommandContext,
  argument: string,
  options: ShowCommandOptions,
): Promise<number> {
  let body: RunbookContentResponse;
  if (ctx.isRemote) {
    const client = ctx.api('show');
    const filename = remoteRunbookFilename(argument);
    body = await suggestOnNotFound(client, filename, () => client.getRunbook(filename));
  } else {
    const loaded = loadLocalRunbook(resolveLocalRunbook(argument, ctx.runbooksDir, ctx.io.cwd));
    body = {
      success: true,
      filename: loaded.file.filename,
      name: loaded.runbook.name ?? loaded.file.filename,
      content: loaded.text,
    };
  }
  if (options.json) {
    ctx.printJson(body);
    return ExitCode.OK;
  }
  if (options.raw) {
    ctx.print(
      body.content.endsWith('\n') || body.content === '' ? body.content : `${body.content}\n`,
    );
    return ExitCode.OK;
  }
  const { runbook } = parseRunbook(body.content, { filename: body.filename });
  const lines = body.content.split(/\r\n|\n|\r/);
  const history = runbook.sections.find((section) => section.title === SECTION_TITLES.history);
  const shown =
    history && !options.history ? lines.slice(0, history.headingLine - 1).join('\n') : body.content;
  ctx.print(renderMarkdown(shown, ctx.out, ctx.width));
  if (history && !options.history) ctx.print(`\n${historySummary(runbook.history, ctx)}`);
  if (runbook.script) {
    const advice = claimsAdvice(runbook.requiredClaims, ctx.resolveToken()?.value ?? null);
    const text =
      advice.allowed === false ? ctx.out.yellow(advice.message) : ctx.out.dim(advice.message);
    ctx.print(`\n${text}\n`);
  }
  return ExitCode.OK;
}

function historySummary(entries: readonly HistoryEntry[], ctx: CommandContext): string {
  const title = `${ctx.out.bold('History')}: ${entries.length === 0 ? 'no runs recorded' : `${plural(entries.length, 'run')} recorded`}`;
  if (entries.length === 0) return `${title}\n`;
  const recent = entries.slice(-RECENT_RUNS).reverse();
  const rows = recent.map((entry) => [
    formatTimestamp(entry.timestamp),
    styleStatus(statusOfHistoryEntry(entry), ctx.out),
    entry.exitCode === null ? '-' : String(entry.exitCode),
  ]);
  const more =
    entries.length > RECENT_RUNS
      ? ctx.out.dim(`(latest ${RECENT_RUNS}; --history shows all)\n`)
      : '';
  return `${title}\n${renderTable(['FINISHED', 'STATUS', 'EXIT'], rows, ctx.out)}${more}`;
}
