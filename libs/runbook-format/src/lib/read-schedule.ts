import { Cron } from 'croner';

import { diagnostic, type Diagnostic } from './diagnostic';
import type { FenceBlock } from './markdown-blocks';
import type { Read } from './read-blocks';
import { readYamlBlock, YAML_LANGUAGES, yamlValueToString } from './yaml-block';
import {
  SCHEDULE_MISSED_POLICIES,
  SCHEDULE_OVERLAP_POLICIES,
  type RunbookSchedule,
  type ScheduleMissedPolicy,
  type ScheduleOverlapPolicy,
  type SectionRange,
} from './runbook';

/** Settings a Schedule block may hold. */
export const SCHEDULE_KEYS: readonly string[] = [
  'cron',
  'timezone',
  'env',
  'overlap',
  'missed',
  'catch_up_window',
  'enabled',
];

const DURATION = /^([1-9][0-9]{0,6})([smhd])$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Longest catch-up window (a longer look-back would record a flood of missed fires). */
const MAX_CATCH_UP_MS = 30 * 86_400_000;
const DEFAULT_CATCH_UP_MS = 3_600_000;

/** `30s`, `15m`, `1h`, `2d` in milliseconds; null when not such a duration. */
export function parseScheduleDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
}

/** True when `zone` is an IANA time zone name this runtime knows (`UTC`, `Europe/Paris`). */
export function isKnownTimeZone(zone: string): boolean {
  if (zone.trim() === '' || zone !== zone.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a cron expression is not usable, or null: 5 fields, 6 with seconds first, or an `@`
 * alias; the expression is compiled by croner, never by hand.
 */
export function cronProblem(expression: string, timezone = 'UTC'): string | null {
  const text = expression.trim();
  if (text === '') return 'cron is empty';
  const fields = text.split(/\s+/).length;
  if (!text.startsWith('@') && fields !== 5 && fields !== 6) {
    return `cron '${text}' has ${fields} fields: write 5 (minute hour day month weekday) or 6 (seconds first)`;
  }
  try {
    const job = new Cron(text, { timezone, paused: true, mode: '5-or-6-parts' });
    const next = job.nextRun(new Date());
    job.stop();
    if (next === null) return `cron '${text}' never fires`;
    return null;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `cron '${text}' is not a valid cron expression: ${reason}`;
  }
}

/** A YAML value for a message: scalars as written, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface Reader {
  entries: Map<string, unknown>;
  lines: Map<string, number>;
  fallbackLine: number;
  diagnostics: Diagnostic[];
}

function fail(reader: Reader, key: string, message: string): null {
  const line = reader.lines.get(key) ?? reader.fallbackLine;
  reader.diagnostics.push(diagnostic('SCHEDULE_INVALID', 'error', `Schedule: ${message}`, line));
  return null;
}

function readChoice<T extends string>(
  reader: Reader,
  key: string,
  choices: readonly T[],
  fallback: T,
): T | null {
  const raw = reader.entries.get(key);
  if (raw === undefined || raw === null) return fallback;
  const found = choices.find((choice) => choice === raw);
  if (found !== undefined) return found;
  return fail(reader, key, `${key} must be one of ${choices.join(', ')} (got '${shown(raw)}')`);
}

function readEnv(reader: Reader): Record<string, string> | null {
  const raw = reader.entries.get('env');
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(reader, 'env', 'env must be a mapping of NAME: value');
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value !== null && typeof value === 'object') {
      return fail(reader, 'env', `env value of ${name} must be a single value`);
    }
    env[name] = yamlValueToString(value);
  }
  return env;
}

/**
 * Reads a `# Schedule` section. Anything wrong (unknown keys, a bad cron or time zone, a wrong
 * policy) is an error and the schedule is null: a schedule that cannot be read never fires.
 */
export function readSchedule(
  section: SectionRange,
  fences: FenceBlock[],
): Read<RunbookSchedule | null> {
  const fence = fences.find((candidate) => YAML_LANGUAGES.includes(candidate.language));
  const invalid = (message: string, line: number): Read<null> => ({
    value: null,
    diagnostics: [diagnostic('SCHEDULE_INVALID', 'error', `Schedule: ${message}`, line)],
  });
  if (!fence) return invalid('the section must contain a YAML code block', section.headingLine);
  const result = readYamlBlock(fence);
  if (result.kind === 'syntax-error') {
    return invalid(`invalid YAML: ${result.message}`, result.line);
  }
  if (result.kind !== 'mapping') {
    return invalid('the YAML block must be a mapping with at least cron', fence.contentLine);
  }
  const reader: Reader = {
    entries: new Map(result.entries),
    lines: result.keyLines,
    fallbackLine: fence.contentLine,
    diagnostics: [],
  };
  for (const key of reader.entries.keys()) {
    if (!SCHEDULE_KEYS.includes(key)) {
      fail(reader, key, `unknown setting '${key}' (known: ${SCHEDULE_KEYS.join(', ')})`);
    }
  }
  const timezoneRaw = reader.entries.get('timezone');
  let timezone: string | null = 'UTC';
  if (timezoneRaw !== undefined && timezoneRaw !== null) {
    timezone = typeof timezoneRaw === 'string' && isKnownTimeZone(timezoneRaw) ? timezoneRaw : null;
    if (timezone === null) {
      fail(
        reader,
        'timezone',
        `unknown time zone '${shown(timezoneRaw)}' (use an IANA name such as Europe/Paris)`,
      );
    }
  }
  const cronRaw = reader.entries.get('cron');
  let cron: string | null = null;
  if (typeof cronRaw !== 'string') {
    fail(reader, 'cron', 'cron is required and must be a string (quote it)');
  } else {
    const problem = cronProblem(cronRaw, timezone ?? 'UTC');
    if (problem) fail(reader, 'cron', problem);
    else cron = cronRaw.trim();
  }
  const env = readEnv(reader);
  const overlap = readChoice<ScheduleOverlapPolicy>(
    reader,
    'overlap',
    SCHEDULE_OVERLAP_POLICIES,
    'skip',
  );
  const missed = readChoice<ScheduleMissedPolicy>(
    reader,
    'missed',
    SCHEDULE_MISSED_POLICIES,
    'run_once',
  );
  let catchUpWindowMs: number | null = DEFAULT_CATCH_UP_MS;
  const windowRaw = reader.entries.get('catch_up_window');
  if (windowRaw !== undefined && windowRaw !== null) {
    catchUpWindowMs = typeof windowRaw === 'string' ? parseScheduleDuration(windowRaw) : null;
    if (catchUpWindowMs === null || catchUpWindowMs > MAX_CATCH_UP_MS) {
      catchUpWindowMs = null;
      fail(
        reader,
        'catch_up_window',
        `catch_up_window must be a duration like 30s, 15m, 1h or 2d, at most 30d (got '${shown(windowRaw)}')`,
      );
    }
  }
  const enabledRaw = reader.entries.get('enabled');
  const enabled = enabledRaw === undefined || enabledRaw === null ? true : enabledRaw;
  if (typeof enabled !== 'boolean') fail(reader, 'enabled', 'enabled must be true or false');
  const diagnostics = reader.diagnostics;
  if (
    diagnostics.length > 0 ||
    cron === null ||
    timezone === null ||
    env === null ||
    overlap === null ||
    missed === null ||
    catchUpWindowMs === null ||
    typeof enabled !== 'boolean'
  ) {
    return { value: null, diagnostics };
  }
  return {
    value: {
      cron,
      timezone,
      env,
      overlap,
      missed,
      catchUpWindowMs,
      enabled,
      line: section.headingLine,
    },
    diagnostics,
  };
}

/**
 * The first fire of `schedule` strictly after `after` (an instant), computed by croner in the
 * schedule's time zone; null when it never fires again.
 */
export function nextScheduledFire(
  schedule: Pick<RunbookSchedule, 'cron' | 'timezone'>,
  after: Date,
): Date | null {
  const job = new Cron(schedule.cron, {
    timezone: schedule.timezone,
    paused: true,
    mode: '5-or-6-parts',
  });
  return job.nextRun(after);
}
