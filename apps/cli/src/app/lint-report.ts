import type { DiagnosticJson } from './diagnostic-output';
import { formatDiagnostic, plural } from './diagnostic-output';
import type { LintedFile } from './lint-runbook-file';
import type { TerminalStyle } from './terminal-style';

/** Output formats of `runbook lint`. */
export const LINT_FORMATS = ['text', 'json', 'github', 'sarif'] as const;

/** One of {@link LINT_FORMATS}. */
export type LintFormat = (typeof LINT_FORMATS)[number];

/** The outcome of `runbook lint` over every file it looked at. */
export interface LintReport {
  /** False when there are errors (or, with `--strict`, warnings). */
  success: boolean;
  strict: boolean;
  errorCount: number;
  warningCount: number;
  /** Files checked as runbooks. */
  checked: string[];
  /** Markdown files that are not runbooks, and why. */
  skipped: { file: string; reason: string }[];
  diagnostics: DiagnosticJson[];
}

/** Sums up the files into a report. */
export function lintReport(files: readonly LintedFile[], strict: boolean): LintReport {
  const diagnostics = files.flatMap((file) => file.diagnostics);
  const errorCount = diagnostics.filter((d) => d.severity === 'error').length;
  const warningCount = diagnostics.length - errorCount;
  return {
    success: errorCount === 0 && (!strict || warningCount === 0),
    strict,
    errorCount,
    warningCount,
    checked: files.filter((f) => f.skipped === null).map((f) => f.file),
    skipped: files.flatMap((f) =>
      f.skipped === null ? [] : [{ file: f.file, reason: f.skipped }],
    ),
    diagnostics,
  };
}

/** `✓ 3 runbooks checked: no problems` / `✗ 3 runbooks checked: 2 errors, 1 warning`. */
export function lintSummary(report: LintReport, style: TerminalStyle): string {
  const checked = `${plural(report.checked.length, 'runbook')} checked`;
  const skipped = report.skipped.length > 0 ? ` (${report.skipped.length} skipped)` : '';
  const problems =
    report.errorCount + report.warningCount === 0
      ? 'no problems'
      : `${plural(report.errorCount, 'error')}, ${plural(report.warningCount, 'warning')}`;
  const strictNote =
    report.strict && report.errorCount === 0 && report.warningCount > 0 ? ' (--strict)' : '';
  const mark = report.success ? style.green('✓') : style.red('✗');
  return `${mark} ${checked}${skipped}: ${problems}${strictNote}`;
}

/** The human report: `file:line:column: severity: message` lines, skip notes, a summary. */
export function textLintReport(report: LintReport, style: TerminalStyle): string {
  const lines = report.diagnostics.map((d) => formatDiagnostic(d, style));
  for (const { file, reason } of report.skipped)
    lines.push(`${style.dim(`note: skipped ${file}: ${reason}`)}`);
  lines.push(lintSummary(report, style));
  return `${lines.join('\n')}\n`;
}

/** Escapes workflow-command data (the message). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value (file, title). */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * GitHub Actions workflow commands: one `::error` or `::warning` annotation per diagnostic (shown
 * on the pull request's changed lines), then plain log lines for skipped files and the summary.
 */
export function githubLintReport(report: LintReport, style: TerminalStyle): string {
  const lines = report.diagnostics.map((d) => {
    const properties = [`file=${escapeProperty(d.file)}`];
    if (d.line !== null) properties.push(`line=${d.line}`, `col=${d.column ?? 1}`);
    properties.push(`title=${escapeProperty(`runbook lint${d.code ? `: ${d.code}` : ''}`)}`);
    return `::${d.severity} ${properties.join(',')}::${escapeData(d.message)}`;
  });
  for (const { file, reason } of report.skipped) lines.push(`skipped ${file}: ${reason}`);
  lines.push(lintSummary(report, style));
  return `${lines.join('\n')}\n`;
}
