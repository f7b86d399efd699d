// Test helpers for specs that use the shared Redis on 127.0.0.1:6379: every test run gets its own
// key prefix, and its keys are deleted afterwards (never FLUSHALL: the server is shared).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the specs use. */
export const REDIS_URL = process.env['RUNBOOKS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A prefix no other test run uses: `rbtest:<name>:<random>:`. */
export function uniquePrefix(name: string): string {
  return `rbtest:${name}:${randomBytes(5).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN + UNLINK); returns how many there were. */
export async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** Keys under `prefix` right now. */
export async function listKeys(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  try {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  } finally {
    redis.disconnect();
  }
}

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
