import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DiagnosticJson } from './diagnostic-output';
import type { LintReport } from './lint-report';

/** Rule id of findings without a library code (an unreadable file). */
const UNREADABLE_RULE = 'FILE_UNREADABLE';

/** A SARIF artifact URI: relative paths with `/` (percent-encoded), absolute ones as file URLs. */
function artifactUri(file: string): string {
  if (isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(sep).map(encodeURIComponent).join('/');
}

function location(file: string, line: number | null, column: number | null) {
  return {
    physicalLocation: {
      artifactLocation: { uri: artifactUri(file), uriBaseId: '%SRCROOT%' },
      ...(line === null ? {} : { region: { startLine: line, startColumn: column ?? 1 } }),
    },
  };
}

/**
 * The report as a SARIF 2.1.0 log (GitHub code scanning, IDE viewers): one run, a rule per
 * diagnostic code, a result per diagnostic; skipped files are tool notifications of level `note`.
 */
export function sarifLintReport(report: LintReport, version: string): object {
  const ruleIds = [...new Set(report.diagnostics.map((d) => d.code ?? UNREADABLE_RULE))].sort();
  const result = (d: DiagnosticJson) => {
    const ruleId = d.code ?? UNREADABLE_RULE;
    return {
      ruleId,
      ruleIndex: ruleIds.indexOf(ruleId),
      level: d.severity,
      message: { text: d.message },
      locations: [location(d.file, d.line, d.column)],
    };
  };
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'runbook lint',
            version,
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: `Runbook check ${id}` },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: report.skipped.map(({ file, reason }) => ({
              level: 'note',
              message: { text: `skipped: ${reason}` },
              locations: [location(file, null, null)],
            })),
          },
        ],
        results: report.diagnostics.map(result),
      },
    ],
  };
}
