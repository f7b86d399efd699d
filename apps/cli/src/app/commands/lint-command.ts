import packageJson from '../../../package.json';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { ExitCode } from '../exit-codes';
import {
  githubLintReport,
  LINT_FORMATS,
  lintReport,
  textLintReport,
  type LintFormat,
} from '../lint-report';
import { lintRunbookFile } from '../lint-runbook-file';
import { lintTargets } from '../lint-targets';
import { sarifLintReport } from '../sarif-lint-report';

/** Options of `runbook lint`. */
export interface LintCommandOptions {
  format?: string;
  strict?: boolean;
}

function isLintFormat(value: string): value is LintFormat {
  return (LINT_FORMATS as readonly string[]).includes(value);
}

/**
 * `runbook lint [paths...]`: checks every runbook under the given files and folders (default:
 * the runbooks folder) without running anything. Exit 1 on errors (on warnings too with
 * `--strict`), 0 otherwise.
 */
export function runLint(
  ctx: CommandContext,
  paths: readonly string[],
  options: LintCommandOptions,
): number {
  const format = options.format ?? 'text';
  if (!isLintFormat(format)) {
    throw new CliError(
      'USAGE',
      `unknown format '${format}': use one of ${LINT_FORMATS.join(', ')}`,
    );
  }
  const targets = lintTargets(paths.length > 0 ? paths : [ctx.runbooksDir], ctx.io.cwd);
  const report = lintReport(
    targets.map((path) => lintRunbookFile(path, ctx.io.cwd)),
    options.strict === true,
  );
  if (format === 'json') ctx.printJson(report);
  else if (format === 'sarif') ctx.printJson(sarifLintReport(report, packageJson.version));
  else if (format === 'github') ctx.print(githubLintReport(report, ctx.out));
  else ctx.print(textLintReport(report, ctx.out));
  return report.success ? ExitCode.OK : ExitCode.FAILURE;
}
