import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AppError } from '../errors/app-error';
import { MetricsService } from '../metrics/metrics.service';
import { RATE_LIMIT_MESSAGE } from '../rate-limit/rate-limit.module';
import { EXECUTE_THROTTLER } from '../rate-limit/runbooks-throttler.guard';

/**
 * `RATE_LIMIT_EXECUTE_PER_MINUTE` for `run_runbook`: a tool call is not an HTTP route, so the
 * throttler guard cannot see it; this counts it in the same storage (memory or Redis, failing
 * open as the guard does), per client address, and refuses with the REST 429 message.
 */
@Injectable()
export class McpExecuteLimit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    private readonly metrics: MetricsService,
  ) {}

  /** Counts one run for `tracker`; throws RATE_LIMITED when the minute's budget is spent. */
  async take(tracker: string): Promise<void> {
    const { rateLimit } = this.config;
    if (!rateLimit.enabled) return;
    const ttlMs = 60_000;
    const record = await this.storage.increment(
      `mcp-run_runbook-${EXECUTE_THROTTLER}-${tracker || 'unknown'}`,
      ttlMs,
      rateLimit.executePerMinute,
      ttlMs,
      EXECUTE_THROTTLER,
    );
    if (record.isBlocked || record.totalHits > rateLimit.executePerMinute) {
      this.metrics.rateLimitHits.inc({ route: 'mcp:run_runbook' });
      throw new AppError('RATE_LIMITED', RATE_LIMIT_MESSAGE);
    }
  }
}
