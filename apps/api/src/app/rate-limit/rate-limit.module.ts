import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import Redis from 'ioredis';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { EXECUTE_THROTTLER, RunbooksThrottlerGuard } from './runbooks-throttler.guard';

/** The 429 body text (reference). */
export const RATE_LIMIT_MESSAGE = 'Rate limit exceeded. Please try again later.';

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
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
    });
    options.storage = new ThrottlerStorageRedisService(redis);
  }
  return options;
}

/** Rate limiting: `RATE_LIMIT_PER_MINUTE` everywhere, `RATE_LIMIT_EXECUTE_PER_MINUTE` on execute and dev-login. */
@Module({
  imports: [ThrottlerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: throttlerOptions })],
  providers: [{ provide: APP_GUARD, useClass: RunbooksThrottlerGuard }],
})
export class RateLimitModule {}
