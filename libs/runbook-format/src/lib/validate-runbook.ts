import { isControlEnvName } from '@runbooks/types';

import { diagnostic, type Diagnostic } from './diagnostic';
import { isEscapingInputPath } from './input-path';
import { filenameStem, NAME_MISSING_MESSAGE } from './parse-runbook';
import { scriptTrailingContentDiagnostic } from './read-script';
import { checkEnvValues } from './env-values';
import { checkSchedule } from './check-schedule';
import type { EnvironmentValues } from './required-env';
import { MAX_ATTEMPTS_LIMIT, REQUIRED_SECTIONS, SECTION_TITLES, type Runbook } from './runbook';
import { malformedHeadingDiagnostic } from './malformed-headings';
import { checkDuplicateSections, findSection } from './runbook-sections';

/** What validation checks the runbook against. */
export interface ValidateOptions {
  /** The variables a run would get (server environment merged with the request's). */
  env?: EnvironmentValues;
  /** Whether an input exists; receives the path as written (resolve it against the runbook's folder). */
  fileExists?: (path: string) => boolean;
  /**
   * Control variable names (see `isControlEnvName`) a runbook may declare anyway: the operator's
   * explicit choice (exact names). Every other control name is an error.
   */
  allowedControlEnv?: readonly string[];
  /**
   * The parser's diagnostics (`parseRunbook(...).diagnostics`). When given, a section whose YAML
   * block is there but unreadable reports the parser's syntax error instead of the misleading
   * "must contain a YAML code block".
   */
  parseDiagnostics?: readonly Diagnostic[];
  /** Names the caller supplied: a `from` variable among them is refused (see `checkEnvValues`). */
  callerNames?: readonly string[];
}

/** Validation outcome: the reference's message lists plus the same findings with positions. */
export interface ValidationResult {
  valid: boolean;
  errors: string[];
  warnings: string[];
  diagnostics: Diagnostic[];
}

/**
 * Checks that a runbook can run: required sections, environment, inputs, script, name. Messages
 * are the reference's texts, in its order, without its duplicates; any error makes it invalid.
 */
export function validateRunbook(runbook: Runbook, options: ValidateOptions = {}): ValidationResult {
  const found: Diagnostic[] = runbook.isEmpty
    ? [diagnostic('EMPTY_CONTENT', 'error', 'Runbook content is empty')]
    : [
        ...checkSections(runbook),
        ...checkHeadings(runbook),
        ...checkEnvironment(runbook, options),
        ...checkInputs(runbook, options.fileExists, options.parseDiagnostics ?? []),
        ...checkScript(runbook),
        ...checkClaims(runbook),
        ...checkRetryPolicy(runbook),
        ...checkApproval(runbook, options.parseDiagnostics ?? []),
        ...checkConcurrency(runbook, options.parseDiagnostics ?? []),
        ...checkSchedule(runbook),
        ...checkName(runbook),
      ];
  const errors = found.filter((d) => d.severity === 'error').map((d) => d.message);
  const warnings = found.filter((d) => d.severity === 'warning').map((d) => d.message);
  return { valid: errors.length === 0, errors, warnings, diagnostics: found };
}

function checkSections(runbook: Runbook): Diagnostic[] {
  return REQUIRED_SECTIONS.flatMap((title) => {
    const section = findSection(runbook.sections, title);
    if (!section)
      return [diagnostic('SECTION_MISSING', 'error', `Missing required section: ${title}`)];
    if (section.isEmpty && title !== SECTION_TITLES.history) {
      return [
        diagnostic('SECTION_EMPTY', 'error', `Section '${title}' is empty`, section.headingLine),
      ];
    }
    return [];
  });
}

function checkHeadings(runbook: Runbook): Diagnostic[] {
  const malformed = runbook.malformedHeadings.map(malformedHeadingDiagnostic);
  const duplicates = checkDuplicateSections(runbook.sections).filter(
    (found) => found.severity === 'error',
  );
  return [...malformed, ...duplicates];
}

function checkEnvironment(runbook: Runbook, options: ValidateOptions): Diagnostic[] {
  const allowedControlEnv = options.allowedControlEnv ?? [];
  const parseDiagnostics = options.parseDiagnostics ?? [];
  const section = findSection(runbook.sections, SECTION_TITLES.environment);
  if (!section || section.isEmpty) {
    return [diagnostic('SECTION_MISSING', 'error', 'Missing Environment Requirements section')];
  }
  if (!runbook.environment) {
    const unreadable = unreadableBlock(section, parseDiagnostics);
    if (unreadable) return [unreadable];
    return [
      diagnostic(
        'YAML_BLOCK_MISSING',
        'error',
        'Environment Requirements section must contain a YAML code block',
        section.headingLine,
      ),
    ];
  }
  const reserved = runbook.environment
    .filter((variable) => isControlEnvName(variable.name, allowedControlEnv))
    .map((variable) =>
      diagnostic(
        'ENV_VAR_RESERVED',
        'error',
        `Environment variable ${variable.name} cannot be declared: it controls how shells, the dynamic loader or tools start, so a caller could make the script run other code. Use another name (the server's operator can allow it with ENV_ALLOW_CONTROL_VARS)`,
        variable.line,
      ),
    );
  const values = checkEnvValues(
    runbook.environment.filter((variable) => !isControlEnvName(variable.name, allowedControlEnv)),
    options.env ?? {},
    { callerNames: options.callerNames ?? [] },
  );
  return [...runbook.environmentErrors, ...reserved, ...values];
}

/** The parser's YAML syntax or shape error inside a section, if it found one. */
function unreadableBlock(
  section: { startLine: number; endLine: number },
  parseDiagnostics: readonly Diagnostic[],
): Diagnostic | undefined {
  return parseDiagnostics.find(
    (found) =>
      (found.code === 'YAML_SYNTAX' || found.code === 'YAML_NOT_MAPPING') &&
      found.line >= section.startLine &&
      found.line <= section.endLine,
  );
}

function checkInputs(
  runbook: Runbook,
  fileExists: ((path: string) => boolean) | undefined,
  parseDiagnostics: readonly Diagnostic[],
): Diagnostic[] {
  const section = findSection(runbook.sections, SECTION_TITLES.files);
  const unreadable =
    section && !section.isEmpty && !runbook.inputs
      ? unreadableBlock(section, parseDiagnostics)
      : undefined;
  if (unreadable) return [unreadable];
  if (!section || section.isEmpty || !runbook.inputs) {
    return [
      diagnostic(
        'YAML_BLOCK_MISSING',
        'error',
        'File System Requirements section must contain a YAML code block',
        section?.headingLine,
      ),
    ];
  }
  return runbook.inputs.flatMap((path) => {
    if (isEscapingInputPath(path)) {
      return [
        diagnostic(
          'INPUT_ESCAPES',
          'error',
          `Input path escapes runbook directory: ${path}`,
          section.headingLine,
        ),
      ];
    }
    if (fileExists && !fileExists(path)) {
      return [
        diagnostic(
          'INPUT_NOT_FOUND',
          'error',
          `Required input file does not exist: ${path}`,
          section.headingLine,
        ),
      ];
    }
    return [];
  });
}

function checkScript(runbook: Runbook): Diagnostic[] {
  if (runbook.script) return [];
  if (runbook.scriptTrailingContentLine !== null)
    return [scriptTrailingContentDiagnostic(runbook.scriptTrailingContentLine)];
  const section = findSection(runbook.sections, SECTION_TITLES.script);
  return [
    diagnostic(
      'SCRIPT_MISSING',
      'error',
      'Script section must contain a sh code block',
      section?.headingLine,
    ),
  ];
}

function checkClaims(runbook: Runbook): Diagnostic[] {
  if (runbook.requiredClaims) return [];
  const section = findSection(runbook.sections, SECTION_TITLES.claims);
  return [
    diagnostic(
      'CLAIMS_INVALID',
      'error',
      'Required Claims section could not be read: write a YAML block of claim: allowed values',
      section?.headingLine,
    ),
  ];
}

function checkRetryPolicy(runbook: Runbook): Diagnostic[] {
  if (runbook.retryPolicy) return [];
  const section = findSection(runbook.sections, SECTION_TITLES.retry);
  return [
    diagnostic(
      'RETRY_POLICY_INVALID',
      'error',
      `Retry Policy section could not be read: write a YAML block with max_attempts: 1 to ${MAX_ATTEMPTS_LIMIT}`,
      section?.headingLine,
    ),
  ];
}

/**
 * An Approval section that cannot be read refuses every run: the parser's message (naming the
 * key) when it was given, else a general one.
 */
function checkApproval(runbook: Runbook, parseDiagnostics: readonly Diagnostic[]): Diagnostic[] {
  const section = findSection(runbook.sections, SECTION_TITLES.approval);
  if (!section || runbook.approval) return [];
  const found = parseDiagnostics.find(
    (d) =>
      d.severity === 'error' &&
      (d.code === 'APPROVAL_INVALID' ||
        ((d.code === 'YAML_SYNTAX' || d.code === 'YAML_NOT_MAPPING') &&
          d.line >= section.startLine &&
          d.line <= section.endLine)),
  );
  return [
    found ??
      diagnostic(
        'APPROVAL_INVALID',
        'error',
        'Approval section could not be read: write one YAML block with approvers (claims), and optionally count (1-5), allow_self_approval and expires_after (1s to 7d)',
        section.headingLine,
      ),
  ];
}

/**
 * A Concurrency section that cannot be read refuses every run: the parser's findings (naming the
 * setting) when there are any, else a general message.
 */
function checkConcurrency(runbook: Runbook, parsed: readonly Diagnostic[]): Diagnostic[] {
  if (runbook.concurrency) return [];
  // The parser's findings name the setting (`Concurrency: key 'X' is not a variable ...`).
  const found = parsed.filter((d) => d.code === 'CONCURRENCY_INVALID' && d.severity === 'error');
  if (found.length > 0) return found.map((d) => ({ ...d }));
  const section = findSection(runbook.sections, SECTION_TITLES.concurrency);
  return [
    diagnostic(
      'CONCURRENCY_INVALID',
      'error',
      'Concurrency section could not be read (or appears more than once): write one YAML block with limit and/or locks',
      section?.headingLine,
    ),
  ];
}

function checkName(runbook: Runbook): Diagnostic[] {
  if (runbook.name === null) return [diagnostic('NAME_MISSING', 'error', NAME_MISSING_MESSAGE)];
  const stem = runbook.filename === null ? null : filenameStem(runbook.filename);
  if (stem === null || stem === runbook.name) return [];
  return [
    diagnostic(
      'NAME_MISMATCH',
      'warning',
      `Runbook name '${runbook.name}' does not match filename '${stem}'`,
    ),
  ];
}
