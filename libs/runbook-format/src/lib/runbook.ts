import type { EnvVarScalar, EnvVarType } from '@runbooks/types';

import type { Diagnostic } from './diagnostic';

/** The well-known H1 section titles of a runbook, exactly as written in the file. */
export const SECTION_TITLES = {
  environment: 'Environment Requirements',
  files: 'File System Requirements',
  claims: 'Required Claims',
  retry: 'Retry Policy',
  approval: 'Approval',
  concurrency: 'Concurrency',
  schedule: 'Schedule',
  script: 'Script',
  history: 'History',
} as const;

/** Sections a runbook must have to be executable, in the order validation reports them. */
export const REQUIRED_SECTIONS = [
  SECTION_TITLES.environment,
  SECTION_TITLES.files,
  SECTION_TITLES.script,
  SECTION_TITLES.history,
] as const;

/** Where an H1 section sits in the file (1-based lines; `endLine` inclusive). */
export interface SectionRange {
  title: string;
  /** Line of the `# Title` heading. */
  headingLine: number;
  /** First line after the heading. */
  startLine: number;
  /** Last line of the section (the line before the next H1, or the last line). */
  endLine: number;
  /** True when the section holds nothing but whitespace. */
  isEmpty: boolean;
}

/**
 * One variable a runbook declares under Environment Requirements: `NAME: description` (a
 * required string) or a typed mapping (see docs/runbook-format.md).
 */
export interface EnvRequirement {
  name: string;
  description: string;
  line: number;
  type: EnvVarType;
  /** Allowed values in the declared type, or null. */
  enum: EnvVarScalar[] | null;
  /** A regular expression (JavaScript syntax) a string value must match, or null. */
  pattern: string | null;
  minimum: number | null;
  maximum: number | null;
  /** Value used when none is given, in the declared type, or null. */
  default: EnvVarScalar | null;
  required: boolean;
  /** Masked in all output; set by `secret: true` or implied by `from`. */
  secret: boolean;
  /** `file:NAME` or `env:NAME` as written: the server provides the value, never the caller. */
  from: string | null;
}

/** The runbook's fenced shell script. */
export interface RunbookScript {
  /** The fence's language tag as written (`sh`, `zsh`, `bash`, `shell`). */
  language: string;
  /** Script text, trimmed like the reference does. */
  content: string;
  /** Line of the opening fence. */
  line: number;
}

/** Required claims: claim name → allowed values (any one suffices), in file order. */
export type RequiredClaims = Record<string, string[]>;

/**
 * What the system may do when the worker running this runbook is lost (distributed mode): queue
 * the run again until it has been attempted `maxAttempts` times. 1, the default, never re-runs.
 */
export interface RetryPolicy {
  maxAttempts: number;
}

/**
 * The four-eyes gate of an `# Approval` section: each run waits until `count` distinct people
 * whose token satisfies `approvers` approve it, and ends `expired` after `expiresAfterSeconds`.
 */
export interface ApprovalPolicy {
  /** Claims an approver's token must satisfy (same rules as Required Claims); never empty. */
  approvers: RequiredClaims;
  /** Distinct approvals needed, 1 to {@link MAX_APPROVAL_COUNT}. */
  count: number;
  /** Whether the requester may approve their own run (default false). */
  allowSelfApproval: boolean;
  /** How long a request waits for its decision (default 1 hour, at most 7 days). */
  expiresAfterSeconds: number;
}

/** Most approvals an Approval section may require. */
export const MAX_APPROVAL_COUNT = 5;
/** Longest wait an Approval section may set (`expires_after`): 7 days. */
export const MAX_APPROVAL_EXPIRY_SECONDS = 7 * 24 * 60 * 60;
/** What a Concurrency section asks when the limit or a lock is taken. */
export type OnLimit = 'queue' | 'reject';

/**
 * A runbook's Concurrency section: at most `limit` runs at once per value of the `key` variable,
 * and named `locks` held while a run runs (shared by every runbook naming them). `limit` null and
 * `locks` empty: no section, nothing to wait for.
 */
export interface ConcurrencyPolicy {
  limit: number | null;
  /** A declared variable's name: runs with different values do not count against each other. */
  key: string | null;
  onLimit: OnLimit;
  /** With `queue`: more waiting runs than this are refused (0: never wait). */
  maxQueued: number;
  locks: string[];
}

/** Bounds of the Concurrency section's settings. */
export const CONCURRENCY_BOUNDS = {
  limit: { min: 1, max: 100 },
  maxQueued: { min: 0, max: 1000, default: 100 },
  lockName: /^[A-Za-z0-9_.-]{1,64}$/,
} as const;

/** What a fire does while the previous scheduled run of the runbook is still queued or running. */
export type ScheduleOverlapPolicy = 'skip' | 'queue' | 'allow';
/** The overlap policies, the default first. */
export const SCHEDULE_OVERLAP_POLICIES: readonly ScheduleOverlapPolicy[] = [
  'skip',
  'queue',
  'allow',
];

/** What happens to fires missed while no scheduler was up. */
export type ScheduleMissedPolicy = 'skip' | 'run_once';
/** The missed-fire policies, the default last. */
export const SCHEDULE_MISSED_POLICIES: readonly ScheduleMissedPolicy[] = ['skip', 'run_once'];

/** A runbook's `# Schedule` section: when the scheduler runs it, with which values. */
export interface RunbookSchedule {
  /** The cron expression as written (5 fields, 6 with seconds first, or an `@` alias). */
  cron: string;
  /** IANA time zone the cron is read in (default `UTC`). */
  timezone: string;
  /** Values of declared variables for the scheduled runs. */
  env: Record<string, string>;
  overlap: ScheduleOverlapPolicy;
  missed: ScheduleMissedPolicy;
  /** How far back `run_once` looks for a missed fire to run (default 1 h). */
  catchUpWindowMs: number;
  enabled: boolean;
  /** Line of the `# Schedule` heading. */
  line: number;
}

/** Bounds of `max_attempts` in a Retry Policy section. */
export const MAX_ATTEMPTS_LIMIT = 10;

/** A heading that looks like one of the sections above but is not written `# <Title>`. */
export interface MalformedHeading {
  /** The heading's text as written (without `#` marks). */
  title: string;
  /** The section title it resembles (one of {@link SECTION_TITLES}). */
  resembles: string;
  line: number;
}

/** Which flavour of history entry a record was read from. */
export type HistoryEntryFormat = 'markdown' | 'legacy-markdown' | 'legacy-json';

/** One run recorded in a runbook's History section. */
export interface HistoryEntry {
  format: HistoryEntryFormat;
  /** Timestamp as written (`YYYY-MM-DDTHH:MM:SS.mmmZ` in the current format). */
  timestamp: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The `**Error:**` block (RBAC denials) when present. */
  error?: string;
  /** 1-based line of the entry's header in the text it was read from. */
  line: number;
}

/**
 * A parsed runbook. Fields are `null` when the part is absent or unreadable; diagnostics say why.
 */
export interface Runbook {
  /** File name given to the parser, if any (e.g. `SimpleRunbook.md`). */
  filename: string | null;
  /** Text of the first-line H1, or null when the file does not start with one. */
  name: string | null;
  /** Free text between the name and the first section. */
  description: string;
  /** Declared variables in file order; null when the block is missing or unreadable. */
  environment: EnvRequirement[] | null;
  /**
   * Errors in typed declarations (wrong types, bad patterns, a default breaking its own rules):
   * each makes the runbook invalid. Also in the parse diagnostics.
   */
  environmentErrors: Diagnostic[];
  /** Declared input paths as written; null when the block is missing or unreadable. */
  inputs: string[] | null;
  /**
   * Required claims; `{}` when the runbook is unrestricted, null when a Required Claims block
   * exists but cannot be read (callers must then deny).
   */
  requiredClaims: RequiredClaims | null;
  /** `{ maxAttempts: 1 }` without a Retry Policy section; null when the section cannot be read. */
  retryPolicy: RetryPolicy | null;
  /**
   * The Approval gate; null when the runbook has no Approval section OR when the section cannot
   * be read (then validation fails and every run is refused: check the sections, not this field,
   * to tell the two apart).
   */
  approval: ApprovalPolicy | null;
  /**
   * Limits and locks; `{ limit: null, locks: [] , ... }` without a Concurrency section, null when
   * the section cannot be read (runs are then refused).
   */
  concurrency: ConcurrencyPolicy | null;
  /**
   * The schedule; null without a Schedule section or when it cannot be read (then
   * `scheduleErrors` says why and the runbook is invalid: an unreadable schedule never fires).
   */
  schedule: RunbookSchedule | null;
  /** Errors of the Schedule section (also in the parse diagnostics). */
  scheduleErrors: Diagnostic[];
  /** The script; null when absent, empty, or followed by content in its section (see below). */
  script: RunbookScript | null;
  /**
   * Line of the first content after the script's closing fence inside `# Script` (usually a
   * three-backtick fence closed early by a ``` line inside the script), or null. When set, the
   * script is null and validation fails.
   */
  scriptTrailingContentLine: number | null;
  history: HistoryEntry[];
  /** Every top-level H1 section after the name, in file order. */
  sections: SectionRange[];
  /** Near misses of section headings; each makes the runbook invalid (validation error). */
  malformedHeadings: MalformedHeading[];
  /** True when the text had no content at all. */
  isEmpty: boolean;
}
