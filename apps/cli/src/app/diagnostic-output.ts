import type { Diagnostic } from '@runbooks/runbook-format';
import type { TerminalStyle } from './terminal-style';

/** A diagnostic as `--json` shows it: where (when known), how bad, what. */
export interface DiagnosticJson {
  file: string;
  line: number | null;
  column: number | null;
  severity: 'error' | 'warning';
  code: string | null;
  message: string;
}

/** `file:line:column: error: message` (or `file: error: message` without a position). */
export function formatDiagnostic(diagnostic: DiagnosticJson, style: TerminalStyle): string {
  const where =
    diagnostic.line === null
      ? diagnostic.file
      : `${diagnostic.file}:${diagnostic.line}:${diagnostic.column ?? 1}`;
  const severity = diagnostic.severity === 'error' ? style.red('error') : style.yellow('warning');
  return `${style.bold(where)}: ${severity}: ${diagnostic.message}`;
}

/** A library diagnostic located in `file`. */
export function diagnosticJson(file: string, diagnostic: Diagnostic): DiagnosticJson {
  return {
    file,
    line: diagnostic.line,
    column: diagnostic.column,
    severity: diagnostic.severity,
    code: diagnostic.code,
    message: diagnostic.message,
  };
}

/**
 * Positions for a server's messages: each message takes the line/column of a local diagnostic
 * with the same text (the server uses the same library), or stays without one.
 */
export function locateMessages(
  file: string,
  messages: { errors: readonly string[]; warnings: readonly string[] },
  located: readonly Diagnostic[],
): DiagnosticJson[] {
  const pool = [...located];
  const take = (message: string, severity: 'error' | 'warning'): DiagnosticJson => {
    const index = pool.findIndex((candidate) => candidate.message === message);
    const match = index === -1 ? undefined : pool.splice(index, 1)[0];
    return match
      ? { ...diagnosticJson(file, match), severity }
      : { file, line: null, column: null, severity, code: null, message };
  };
  return [
    ...messages.errors.map((message) => take(message, 'error')),
    ...messages.warnings.map((message) => take(message, 'warning')),
  ];
}

/** `1 error`, `2 warnings`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
