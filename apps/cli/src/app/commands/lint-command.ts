import packageJson from '../../../package.json';
import { CliError } from '../cli-error';
import type { CommandContext } from '../command-context';
import { singleOption, type CommandSpec } from '../command-spec';
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

const LINT_NOTES = `Checks the format, YAML blocks, claims, retry policy, script fence and input files
of each runbook (variables need not be set). Markdown files without any runbook
section (# Environment Requirements, # Script, ...), such as a README, are skipped
with a note. Hidden folders and node_modules are not searched.
Exit codes: 0 no errors (warnings allowed unless --strict) · 1 errors · 64 usage · 66 path not found`;

/** The `lint` subcommand: grammar, help and runner. */
export function lintCommandSpec(): CommandSpec<CommandContext> {
  return {
    name: 'lint',
    description:
      'check every runbook under files and folders without running anything (for CI and pre-commit)',
    argument: {
      name: '[paths...]',
      description: 'runbook files and folders (searched recursively; default --runbooks-dir)',
    },
    options: [
      singleOption('-f, --format <format>', 'text (default), json, github or sarif'),
      singleOption('--strict', 'fail on warnings too'),
    ],
    notes: LINT_NOTES,
    examples: [
      'runbook lint samples/runbooks',
      'runbook lint ops/ docs/Deploy.md --strict',
      'runbook lint --format github .        # annotations in a GitHub Actions log',
      'runbook lint --format sarif . > runbook-lint.sarif',
    ],
    run: runLint,
  };
}
