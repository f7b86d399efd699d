import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

/** What a storage answers for one hit (the throttler's storage record). */
type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** At most one warning per this many milliseconds while the storage keeps failing. */
const WARN_EVERY_MS = 30_000;

/**
 * Wraps a shared rate-limit storage (Redis) so that its outage lets requests through instead of
 * failing every request with a 500: limits are a protection, not a dependency. `/health/ready`
 * reports the outage, and a warning is logged (at most every 30 s).
 */
export class FailOpenStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private lastWarningAt = 0;

  constructor(private readonly inner: ThrottlerStorage) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<StorageRecord> {
    try {
      return await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (error) {
      const now = Date.now();
      if (now - this.lastWarningAt > WARN_EVERY_MS) {
        this.lastWarningAt = now;
        this.logger.warn(
          `Rate-limit storage unavailable, letting requests through: ${(error as Error).message}`,
        );
      }
      return {
        totalHits: 0,
        timeToExpire: Math.ceil(ttl / 1000),
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    }
  }
}
