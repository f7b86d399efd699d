import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

import { Controller, Get, Inject } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';

import { Public } from '../auth/public.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ApiJsonResult, ApiOperationDoc } from '../docs/api-docs.decorators';
import type { RunStore } from '@runbooks/history';
import { RUN_STORE } from '../history/run-store.provider';
import { RUN_PORTS, type RunPorts } from '../runs/run-ports';
import { ScriptSandbox } from '../sandbox/script-sandbox.service';

/** `/health/live` (the process answers) and `/health/ready` (it can do its work). */
@Controller('health')
@SkipThrottle()
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthCheckService,
    @Inject(RUN_STORE) private readonly store: RunStore,
    private readonly indicators: HealthIndicatorService,
    @Inject(RUN_PORTS) private readonly ports: RunPorts,
    private readonly sandbox: ScriptSandbox,
  ) {}

  /** Runs a probe as a named indicator: up, or down with a message that names no paths. */
  private async probe(key: string, probe: () => Promise<unknown>) {
    const indicator = this.indicators.check(key);
    try {
      await probe();
      return indicator.up();
    } catch (error) {
      const message =
        error instanceof Error ? error.message.replace(/\/[^\s:,']+/g, '<path>') : String(error);
      return indicator.down({ message });
    }
  }

  @ApiOperationDoc({
    tag: 'Operations',
    operationId: 'healthLive',
    summary: 'Liveness',
    description: 'The process answers HTTP.',
  })
  @ApiJsonResult(200, 'HealthReport', 'Alive', { rateLimited: false })
  @Public()
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @ApiOperationDoc({
    tag: 'Operations',
    operationId: 'healthReady',
    summary: 'Readiness',
    description:
      'The runbooks folder is readable, the execution folder writable, the run store answers (SQLite, or PostgreSQL in the distributed mode), Redis answers in the distributed mode (`dispatch_redis`) and when it holds the rate limits. 503 with the failing checks otherwise.',
  })
  @ApiJsonResult(200, 'HealthReport', 'Ready', { rateLimited: false })
  @ApiJsonResult(503, 'HealthReport', 'Not ready: `error` names the failing checks', {
    rateLimited: false,
  })
  @Public()
  @Get('ready')
  @HealthCheck()
  ready() {
    const checks = [
      () => this.probe('runbooks_dir', () => access(this.config.runbooksDir, constants.R_OK)),
      () => this.probe('execution_dir', () => access(this.config.executionDir, constants.W_OK)),
      () => this.probe('run_store', () => this.store.list({}, { limit: 1, includeOutput: false })),
    ];
    // Not a failing check: the details say how scripts are isolated (docs/security.md).
    checks.push(() =>
      Promise.resolve(this.indicators.check('sandbox').up({ mode: this.sandbox.mode })),
    );
    if (this.config.distributed)
      checks.push(() => this.probe('dispatch_redis', () => this.ports.ping()));
    if (this.config.rateLimit.enabled && this.config.rateLimit.storage === 'redis') {
      checks.push(() => this.probe('redis', () => this.pingRedis()));
    }
    return this.health.check(checks);
  }

  private async pingRedis(): Promise<void> {
    const redis = new Redis(this.config.rateLimit.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      enableOfflineQueue: false,
    });
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  }
}
