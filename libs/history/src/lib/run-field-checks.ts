import type { RunStatus, RunTrigger } from '@runbooks/types';
import { HistoryError } from './history-error';
import type { HistoryErrorCode } from './history-error';
import type { RunSlot } from './run-store';
import { isAllowedTransition, isRunStatus, isTerminalStatus } from './run-status';

/** Throws INVALID_TRANSITION unless every `from` status may become `to`. */
export function assertTransition(from: readonly RunStatus[], to: RunStatus): void {
  assertStatus(to, 'INVALID_TRANSITION');
  if (to === 'queued')
    throw new HistoryError('INVALID_TRANSITION', 'A run cannot move back to queued.');
  if (from.length === 0)
    throw new HistoryError('INVALID_TRANSITION', 'A transition needs at least one from status.');
  for (const status of from) {
    assertStatus(status, 'INVALID_TRANSITION');
    if (isTerminalStatus(status)) {
      throw new HistoryError('INVALID_TRANSITION', `A ${status} run is final and cannot change.`);
    }
    if (!isAllowedTransition(status, to)) {
      throw new HistoryError('INVALID_TRANSITION', `A ${status} run cannot become ${to}.`);
    }
  }
}

/** Throws `code` unless `status` is a known run status. */
export function assertStatus(status: unknown, code: HistoryErrorCode): void {
  if (!isRunStatus(status)) throw new HistoryError(code, `Unknown run status: ${String(status)}.`);
}

/** Throws INVALID_RUN with `message`. */
/** A new run's trigger: `api` unless given; anything else is refused. */
export function runTrigger(value: unknown): RunTrigger {
  if (value === undefined || value === 'api') return 'api';
  if (value === 'mcp' || value === 'schedule') return value;
  return invalidRun('trigger must be api, mcp or schedule.');
}

/** A new run's client name: null, or a non-empty string of at most 200 characters. */
export function runClient(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  requireText(value, 'client', 200);
  return value as string;
}

export function invalidRun(message: string): never {
  throw new HistoryError('INVALID_RUN', message);
}

/** Throws INVALID_RUN unless `value` is a non-empty string of at most `maxLength`. */
export function requireText(value: unknown, field: string, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    invalidRun(`${field} must be a non-empty string of at most ${maxLength} characters.`);
  }
}

/** A timestamp as ISO-8601 UTC text; throws `code` when it is not a valid time. */
export function toIso(value: string | Date, field: string, code: HistoryErrorCode): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new HistoryError(code, `${field} is not a valid timestamp.`);
  return date.toISOString();
}

/** `toIso`, keeping null. */
export function optionalIso(
  value: string | Date | null,
  field: string,
  code: HistoryErrorCode,
): string | null {
  return value === null ? null : toIso(value, field, code);
}

/** A copy of a list of strings; throws INVALID_RUN for anything else. */
export function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) invalidRun(`${field} must be a list of strings.`);
  const items: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'string') invalidRun(`${field} must be a list of strings.`);
    items.push(item);
  }
  return items;
}

/** A copy of valid run labels; throws INVALID_RUN for a bad key or value. */
export function labelMap(labels: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key.length === 0 || key.length > 200 || key.includes('=')) {
      invalidRun(`Label key "${key}" must be 1-200 characters without "=".`);
    }
    if (typeof value !== 'string' || value.length > 1000)
      invalidRun(`Label ${key} needs a string value.`);
    result[key] = value;
  }
  return result;
}

/** Sorted unique variable names; throws INVALID_RUN for anything that could carry a value. */
export function envVarNames(names: readonly string[]): string[] {
  const unique = new Set<string>();
  for (const name of names) {
    // Reject anything that could carry a value (`NAME=value`) so values never reach the store.
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > 256 ||
      /[=\0\n]/.test(name)
    ) {
      invalidRun('envVarNames holds variable names only (no "=", no values).');
    }
    unique.add(name);
  }
  return [...unique].sort();
}

/** A new run's Concurrency slots as stored (JSON), or null without any; INVALID_RUN when wrong. */
export function runSlots(slots: readonly RunSlot[] | undefined): string | null {
  if (slots === undefined || slots.length === 0) return null;
  if (!Array.isArray(slots) || slots.length > 50) invalidRun('slots must be a list of at most 50.');
  const keys = new Set<string>();
  const checked = slots.map((slot: RunSlot) => {
    requireText(slot.key, 'slot key', 300);
    requireText(slot.label, 'slot label', 300);
    if (!Number.isInteger(slot.limit) || slot.limit < 1 || slot.limit > 100)
      invalidRun('A slot limit must be a whole number from 1 to 100.');
    if (keys.has(slot.key)) invalidRun(`Slot ${slot.key} is listed twice.`);
    keys.add(slot.key);
    return { key: slot.key, limit: slot.limit, label: slot.label };
  });
  return JSON.stringify(checked);
}
