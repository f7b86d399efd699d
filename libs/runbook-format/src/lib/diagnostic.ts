/** How serious a diagnostic is: errors make a runbook unusable, warnings do not. */
export type Severity = 'error' | 'warning';

/** Stable, machine-readable diagnostic codes (UPPER_SNAKE). */
export type DiagnosticCode =
  | 'EMPTY_CONTENT'
  | 'NAME_MISSING'
  | 'NAME_MISMATCH'
  | 'SECTION_MISSING'
  | 'SECTION_EMPTY'
  | 'SECTION_DUPLICATE'
  | 'SECTION_HEADING_MALFORMED'
  | 'HISTORY_NOT_LAST'
  | 'YAML_BLOCK_MISSING'
  | 'YAML_SYNTAX'
  | 'YAML_NOT_MAPPING'
  | 'ENV_VAR_NOT_SET'
  | 'ENV_VAR_NAME_INVALID'
  | 'ENV_VAR_RESERVED'
  | 'ENV_DECLARATION_INVALID'
  | 'ENV_DECLARATION_UNKNOWN_KEY'
  | 'ENV_VALUE_INVALID'
  | 'INPUT_INVALID'
  | 'INPUT_ESCAPES'
  | 'INPUT_NOT_FOUND'
  | 'CLAIMS_INVALID'
  | 'RETRY_POLICY_INVALID'
  | 'APPROVAL_INVALID'
  | 'CONCURRENCY_INVALID'
  | 'SCHEDULE_INVALID'
  | 'SCRIPT_MISSING'
  | 'SCRIPT_LANGUAGE_UNSUPPORTED'
  | 'SCRIPT_TRAILING_CONTENT'
  | 'HISTORY_ENTRY_UNREADABLE';

/** One finding about a runbook, with a 1-based position in its text. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  line: number;
  column: number;
}

/** Builds a diagnostic; `line`/`column` default to the start of the file. */
export function diagnostic(
  code: DiagnosticCode,
  severity: Severity,
  message: string,
  line = 1,
  column = 1,
): Diagnostic {
  return { code, severity, message, line, column };
}
