import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { AuthModule } from './auth/auth.module';
import { AppConfigModule } from './config/app-config.module';
import type { AppConfig } from './config/app-config';
import { JsonExceptionFilter } from './errors/json-exception.filter';
import { McpModule } from './mcp/mcp.module';
import { CorrelationIdMiddleware } from './http/correlation-id.middleware';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsModule } from './metrics/metrics.module';
import { OperationsModule } from './operations/operations.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RunbooksModule } from './runbooks/runbooks.module';
import { RunsModule } from './runs/runs.module';
import { SchedulesModule } from './schedules/schedules.module';

/** Composes the feature modules into the HTTP API; `config` was validated before the app is built. */
@Module({})
export class AppModule implements NestModule {
  static forConfig(config: AppConfig) {
    const runs = RunsModule.forConfig(config);
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        MetricsModule,
        RateLimitModule,
        AuthModule,
        RunbooksModule,
        runs,
        OperationsModule.withRuns(runs),
        SchedulesModule.withRuns(runs),
        // MCP_ENABLED=false leaves /mcp and its metadata unrouted (404).
        ...(config.mcp.enabled ? [McpModule.withRuns(runs)] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: JsonExceptionFilter }],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationIdMiddleware, HttpMetricsMiddleware).forRoutes('*path');
  }
}
