import { createHash } from 'node:crypto';

import type { RunSlot } from '@runbooks/history';
import type { ConcurrencyPolicy, EnvRequirement } from '@runbooks/runbook-format';

/** Key values longer than this are named by a hash in the slot key (slot keys are capped). */
const MAX_PLAIN_VALUE = 80;

/** The value of the key variable in a run: the request's, else its declared default, else ''. */
function keyValue(
  name: string,
  envVars: Readonly<Record<string, string>>,
  environment: readonly EnvRequirement[] | null,
): string {
  const given = envVars[name];
  if (given !== undefined) return given;
  const fallback = environment?.find((requirement) => requirement.name === name)?.default;
  return fallback === null || fallback === undefined ? '' : String(fallback);
}

/**
 * The slots a run of `runbook` needs under its Concurrency policy: its limit (per value of the
 * key variable) and each named lock. A secret key value is never shown in `waiting_for`.
 */
export function slotsOf(
  runbook: string,
  policy: ConcurrencyPolicy | null,
  envVars: Readonly<Record<string, string>>,
  environment: readonly EnvRequirement[] | null,
): RunSlot[] {
  if (!policy) return [];
  const slots: RunSlot[] = [];
  if (policy.limit !== null) {
    let key = `limit:${runbook}`;
    let label = `concurrency limit ${policy.limit} of ${runbook}`;
    if (policy.key !== null) {
      const value = keyValue(policy.key, envVars, environment);
      const secret = environment?.find((r) => r.name === policy.key)?.secret === true;
      const digest = createHash('sha256').update(value).digest('hex');
      const plain = !secret && value.length <= MAX_PLAIN_VALUE;
      key += `:${policy.key}=${plain ? value : `sha256:${digest}`}`;
      label += ` for ${policy.key}=${secret ? '***' : plain ? value : `${value.slice(0, MAX_PLAIN_VALUE)}…`}`;
    }
    slots.push({ key, limit: policy.limit, label });
  }
  for (const lock of policy.locks)
    slots.push({ key: `lock:${lock}`, limit: 1, label: `lock ${lock}` });
  return slots;
}

/** The locks among `locks` that `held` already holds (a nested run needing one would deadlock). */
export function sharedLocks(locks: readonly string[], held: ReadonlySet<string>): string[] {
  return locks.filter((lock) => held.has(lock));
}
