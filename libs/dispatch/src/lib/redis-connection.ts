import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { DispatchError } from './dispatch-error';
import type { DispatchErrorCode } from './dispatch-error';

/** Where Redis is: a `redis://[:password@]host:port[/db]` URL (e.g. `REDIS_URL`) or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** Reconnect quickly (at most every second), forever: outages end by themselves. */
export function reconnectDelay(times: number): number {
  return Math.min(times * 100, 1000);
}
const retryStrategy = reconnectDelay;
/**
 * ioredis gives a closing socket this long before destroying it; its 2 s default outlives a
 * socket that already failed (a refused connection) and keeps the process up after `close`.
 */
export const DISCONNECT_TIMEOUT_MS = 200;

/**
 * A client for requests that must fail fast when Redis is away: no offline queue (a command
 * while disconnected is rejected at once), a short connect timeout, no retries.
 */
export function createFastRedisClient(
  connection: RedisConnection,
  timeoutMs: number,
  extra: RedisOptions = {},
): Redis {
  const options: RedisOptions = {
    ...extra,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    // No `commandTimeout`: ioredis leaves its timer running for commands it refuses offline;
    // callers bound their waits with `withTimeout` instead.
    maxRetriesPerRequest: 0,
    retryStrategy,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
  };
  return typeof connection === 'string'
    ? new Redis(connection, options)
    : new Redis({ ...connection, ...options });
}

/** A client for blocking reads and subscriptions: it waits for Redis to come back. */
export function createPatientRedisClient(connection: RedisConnection): Redis {
  const options: RedisOptions = {
    maxRetriesPerRequest: null,
    retryStrategy,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
  };
  return typeof connection === 'string'
    ? new Redis(connection, options)
    : new Redis({ ...connection, ...options });
}

/** One pending "next ready" per client, shared by every caller (no listener pile-up). */
const readyWaits = new WeakMap<Redis, Promise<boolean>>();

function nextReady(client: Redis): Promise<boolean> {
  let wait = readyWaits.get(client);
  if (wait === undefined) {
    wait = new Promise<boolean>((resolve) => {
      // A connection attempt that fails ('close') answers as surely as one that succeeds.
      const onReady = (): void => done(true);
      const onClosed = (): void => done(false);
      function done(ready: boolean): void {
        client.off('ready', onReady);
        client.off('close', onClosed);
        client.off('end', onClosed);
        readyWaits.delete(client);
        resolve(ready);
      }
      client.once('ready', onReady);
      client.once('close', onClosed);
      client.once('end', onClosed);
    });
    readyWaits.set(client, wait);
  }
  return wait;
}

/**
 * Resolves when `client` can take commands. A client that is connecting gets up to `timeoutMs`
 * for that attempt; one whose attempt fails, or that lost its connection, is refused at once.
 * Failures throw `code`.
 */
export async function whenReady(
  client: Redis,
  timeoutMs: number,
  code: DispatchErrorCode,
  what: string,
): Promise<void> {
  if (client.status === 'ready') return;
  const unavailable = new DispatchError(code, `${what} is unavailable: Redis is not reachable.`);
  if (client.status === 'end' || client.status === 'close' || client.status === 'reconnecting') {
    throw unavailable;
  }
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    nextReady(client),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  if (!ready) throw unavailable;
}

/** Closes a client politely, or drops it when Redis does not answer. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/** Rejects with "no answer within …" when `promise` takes longer than `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
