export { parseRunbook, filenameStem, NAME_MISSING_MESSAGE } from './lib/parse-runbook';
export type { ParseOptions, ParseResult } from './lib/parse-runbook';
export { validateRunbook } from './lib/validate-runbook';
export { checkSchedule } from './lib/check-schedule';
export type { ValidateOptions, ValidationResult } from './lib/validate-runbook';
export { computeRequiredEnv, isVariableSet } from './lib/required-env';
export type { EnvironmentValues, RequiredEnv } from './lib/required-env';
export { checkEnvValues, envVarInfo, resolveEnvValues, secretValuesOf } from './lib/env-values';
export type { EnvValueCheckOptions } from './lib/env-values';
export {
  compilePattern,
  ENV_DECLARATION_KEYS,
  ENV_VAR_TYPES,
  MAX_PATTERN_VALUE_LENGTH,
  MIN_SECRET_LENGTH,
  normalizeEnvValue,
  valueProblem,
} from './lib/env-declaration';
export { formatHistoryEntry, parseHistoryEntries } from './lib/history-entry';
export { withoutHistoryOutput } from './lib/history-redaction';
export { closeOpenBlocks } from './lib/close-open-blocks';
export type { HistoryEntryInput } from './lib/history-entry';
export { isEscapingInputPath } from './lib/input-path';
export { normalizeText } from './lib/normalize-text';
export { ENV_VAR_NAME, SHELL_LANGUAGES } from './lib/read-blocks';
export { YAML_LANGUAGES } from './lib/yaml-block';
export {
  MAX_APPROVAL_COUNT,
  MAX_APPROVAL_EXPIRY_SECONDS,
  CONCURRENCY_BOUNDS,
  MAX_ATTEMPTS_LIMIT,
  REQUIRED_SECTIONS,
  SCHEDULE_MISSED_POLICIES,
  SCHEDULE_OVERLAP_POLICIES,
  SECTION_TITLES,
} from './lib/runbook';
export { DEFAULT_APPROVAL_EXPIRY_SECONDS, durationSeconds } from './lib/read-approval';
export { textBeforeHistory } from './lib/text-before-history';
export {
  cronProblem,
  isKnownTimeZone,
  nextScheduledFire,
  parseScheduleDuration,
  SCHEDULE_KEYS,
} from './lib/read-schedule';
export { NO_RETRY } from './lib/read-blocks';
export { hasConcurrencyRules, NO_CONCURRENCY } from './lib/read-concurrency';
export { SCRIPT_TRAILING_CONTENT_MESSAGE } from './lib/read-script';
export type {
  ApprovalPolicy,
  ConcurrencyPolicy,
  EnvRequirement,
  HistoryEntry,
  HistoryEntryFormat,
  MalformedHeading,
  OnLimit,
  RequiredClaims,
  RetryPolicy,
  Runbook,
  RunbookSchedule,
  RunbookScript,
  ScheduleMissedPolicy,
  ScheduleOverlapPolicy,
  SectionRange,
} from './lib/runbook';
export type { Diagnostic, DiagnosticCode, Severity } from './lib/diagnostic';
