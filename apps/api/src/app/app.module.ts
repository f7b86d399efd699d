import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TerminusModule } from '@nestjs/terminus';

import { AdminGuard } from './auth/admin.guard';
import { DevLoginController } from './auth/dev-login.controller';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { JwtStrategy } from './auth/jwt.strategy';
import { ConfigController } from './config-api/config.controller';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { DocsController } from './docs/docs.controller';
import { OpenApiDocument } from './docs/openapi-document';
import { JsonExceptionFilter } from './errors/json-exception.filter';
import { HealthController } from './health/health.controller';
import { HistoryRecorder } from './history/history-recorder.service';
import { CorrelationIdMiddleware } from './http/correlation-id.middleware';
import { ShutdownService } from './lifecycle/shutdown.service';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsModule } from './metrics/metrics.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RunbooksThrottlerGuard } from './rate-limit/runbooks-throttler.guard';
import { RunbookAccess } from './runbooks/runbook-access.service';
import { RunbookCatalog } from './runbooks/runbook-catalog.service';
import { RunbooksController } from './runbooks/runbooks.controller';
import { DispatchHolder } from './runs/dispatch.provider';
import { ExecuteResponder } from './runs/execute-responder';
import { LastRunIndex } from './runs/last-run-index.service';
import { OutputBus } from './runs/output-bus';
import { RunEventsService } from './runs/run-events.service';
import { RunReconciler } from './runs/run-reconciler.service';
import { RunService } from './runs/run.service';
import { RunStoreHolder } from './runs/run-store.provider';
import { RunsController } from './runs/runs.controller';
import { NestingProofs } from './runs/nesting-proofs';
import { ScriptSandbox } from './sandbox/script-sandbox.service';

/** Composes the libs into the HTTP API; `config` was validated before the app is built. */
@Module({})
export class AppModule implements NestModule {
  static forConfig(config: AppConfig) {
    return {
      module: AppModule,
      global: true,
      imports: [PassportModule, TerminusModule, MetricsModule, RateLimitModule],
      controllers: [
        RunbooksController,
        RunsController,
        ConfigController,
        DevLoginController,
        HealthController,
        DocsController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // Guards run in this order: rate limits first (bad tokens count too), then the JWT.
        { provide: APP_GUARD, useClass: RunbooksThrottlerGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_FILTER, useClass: JsonExceptionFilter },
        JwtStrategy,
        AdminGuard,
        RunbookCatalog,
        RunbookAccess,
        HistoryRecorder,
        RunStoreHolder,
        DispatchHolder,
        OutputBus,
        RunService,
        RunReconciler,
        RunEventsService,
        ExecuteResponder,
        LastRunIndex,
        NestingProofs,
        ScriptSandbox,
        ShutdownService,
        OpenApiDocument,
      ],
      exports: [APP_CONFIG],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorrelationIdMiddleware, HttpMetricsMiddleware).forRoutes('*path');
  }
}
