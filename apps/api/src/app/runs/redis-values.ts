import { DispatchError } from '@runbooks/dispatch';
import type Redis from 'ioredis';

import type { ExpiringValues } from './run-ports';

const REQUEST_TIMEOUT_MS = 1000;

/** Fails fast when Redis does not answer, as a dispatch `QUEUE_UNAVAILABLE` error. */
export function boundedRedis<T>(work: Promise<T>): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('Redis did not answer')), REQUEST_TIMEOUT_MS).unref(),
    ),
  ]).catch((error: unknown) => {
    throw new DispatchError(
      'QUEUE_UNAVAILABLE',
      `Redis is unavailable: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
}

/** {@link ExpiringValues} as expiring Redis keys `<prefix>:run:<id>:<suffix>` (distributed mode). */
export class RedisValues<T> implements ExpiringValues<T> {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly suffix: string,
    private readonly codec: { encode(value: T): string; decode(text: string): T },
  ) {}

  async set(runId: string, value: T, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    await boundedRedis(this.redis.set(this.key(runId), this.codec.encode(value), 'PX', ttl));
  }

  async get(runId: string): Promise<T | null> {
    const text = await boundedRedis(this.redis.get(this.key(runId)));
    return text === null ? null : this.codec.decode(text);
  }

  async delete(runId: string): Promise<void> {
    await this.redis.del(this.key(runId)).catch(() => undefined);
  }

  private key(runId: string): string {
    return `${this.prefix}:run:${runId}:${this.suffix}`;
  }
}
