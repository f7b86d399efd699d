import { diagnostic } from './diagnostic';
import type { FenceBlock } from './markdown-blocks';
import { readMapping, type Read } from './read-blocks';
import {
  CONCURRENCY_BOUNDS,
  type ConcurrencyPolicy,
  type EnvRequirement,
  type SectionRange,
} from './runbook';

/** The policy of a runbook without a Concurrency section: nothing to wait for. */
export const NO_CONCURRENCY: ConcurrencyPolicy = Object.freeze({
  limit: null,
  key: null,
  onLimit: 'queue',
  maxQueued: CONCURRENCY_BOUNDS.maxQueued.default,
  locks: [],
});

const KNOWN_KEYS = ['limit', 'key', 'on_limit', 'max_queued', 'locks'];

/** True when a Concurrency policy restricts anything (a limit or at least one lock). */
export function hasConcurrencyRules(policy: ConcurrencyPolicy): boolean {
  return policy.limit !== null || policy.locks.length > 0;
}

function isWholeNumber(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Reads the Concurrency section. Fail closed: an unknown setting, a wrong value, a key that is not
 * a declared variable or a section with neither `limit` nor `locks` leaves the policy null (the
 * runbook is invalid and refuses runs) — a typo must never remove a gate.
 */
export function readConcurrency(
  section: SectionRange,
  fences: FenceBlock[],
  environment: EnvRequirement[] | null,
): Read<ConcurrencyPolicy | null> {
  const { result, fence, diagnostics } = readMapping(section, fences, 'error');
  diagnostics.forEach((d) => (d.code = 'CONCURRENCY_INVALID'));
  if (!result || !fence || result.kind === 'syntax-error' || result.kind === 'not-mapping')
    return { value: null, diagnostics };
  const fail = (message: string, line = fence.contentLine): Read<null> => {
    diagnostics.push(diagnostic('CONCURRENCY_INVALID', 'error', `Concurrency: ${message}`, line));
    return { value: null, diagnostics };
  };
  if (result.kind === 'empty') return fail('the YAML block must set limit, locks or both');
  const policy: ConcurrencyPolicy = { ...NO_CONCURRENCY, locks: [] };
  const { limit, maxQueued, lockName } = CONCURRENCY_BOUNDS;
  for (const [name, raw] of result.entries) {
    const line = result.keyLines.get(name) ?? fence.contentLine;
    if (!KNOWN_KEYS.includes(name))
      return fail(`unknown setting '${name}' (known: ${KNOWN_KEYS.join(', ')})`, line);
    if (name === 'limit') {
      if (!isWholeNumber(raw, limit.min, limit.max))
        return fail(`limit must be a whole number from ${limit.min} to ${limit.max}`, line);
      policy.limit = raw;
    } else if (name === 'max_queued') {
      if (!isWholeNumber(raw, maxQueued.min, maxQueued.max))
        return fail(
          `max_queued must be a whole number from ${maxQueued.min} to ${maxQueued.max}`,
          line,
        );
      policy.maxQueued = raw;
    } else if (name === 'on_limit') {
      if (raw !== 'queue' && raw !== 'reject')
        return fail(`on_limit must be queue or reject`, line);
      policy.onLimit = raw;
    } else if (name === 'key') {
      if (typeof raw !== 'string' || raw === '')
        return fail('key must be the name of a declared variable', line);
      if (!environment?.some((requirement) => requirement.name === raw))
        return fail(`key '${raw}' is not a variable declared under Environment Requirements`, line);
      policy.key = raw;
    } else {
      const locks = Array.isArray(raw) ? raw : null;
      if (!locks || locks.length === 0)
        return fail('locks must be a non-empty list of lock names', line);
      for (const lock of locks) {
        if (typeof lock !== 'string' || !lockName.test(lock))
          return fail(
            `lock name ${JSON.stringify(lock)} is invalid (1-64 letters, digits, - _ .)`,
            line,
          );
        if (!policy.locks.includes(lock)) policy.locks.push(lock);
      }
    }
  }
  if (!hasConcurrencyRules(policy)) return fail('the YAML block must set limit, locks or both');
  if (policy.key !== null && policy.limit === null)
    return fail('key needs a limit (runs per value of the key)', result.keyLines.get('key'));
  return { value: policy, diagnostics };
}
