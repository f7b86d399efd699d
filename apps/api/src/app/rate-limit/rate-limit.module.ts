import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import Redis from 'ioredis';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { FailOpenStorage } from './fail-open-storage';
import { EXECUTE_THROTTLER } from './runbooks-throttler.guard';

/** The 429 body text (reference). */
export const RATE_LIMIT_MESSAGE = 'Rate limit exceeded. Please try again later.';

/** The Redis connection of the shared rate-limit storage (closed at shutdown). */
const connections = new Set<Redis>();

function throttlerOptions(config: AppConfig): ThrottlerModuleOptions {
  const { rateLimit } = config;
  const options: ThrottlerModuleOptions = {
    errorMessage: RATE_LIMIT_MESSAGE,
    skipIf: () => !rateLimit.enabled,
    throttlers: [
      { name: 'default', ttl: 60_000, limit: rateLimit.perMinute },
      { name: EXECUTE_THROTTLER, ttl: 60_000, limit: rateLimit.executePerMinute },
    ],
  };
  if (rateLimit.enabled && rateLimit.storage === 'redis') {
    const redis = new Redis(rateLimit.redisUrl, {
      keyPrefix: rateLimit.keyPrefix,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    // Connection errors surface on each command (and in /health/ready); ioredis keeps retrying.
    redis.on('error', () => undefined);
    connections.add(redis);
    options.storage = new FailOpenStorage(new ThrottlerStorageRedisService(redis));
  }
  return options;
}

/**
 * Rate-limit storage and limits: `RATE_LIMIT_PER_MINUTE` everywhere, `RATE_LIMIT_EXECUTE_PER_MINUTE`
 * on execute and dev-login, in memory or in Redis shared by every API process. The guard itself
 * is registered by the app module, ahead of the JWT guard, so floods of bad tokens are limited too.
 */
@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: throttlerOptions })],
})
export class RateLimitModule implements OnApplicationShutdown {
  onApplicationShutdown(): void {
    for (const redis of connections) redis.disconnect();
    connections.clear();
  }
}
