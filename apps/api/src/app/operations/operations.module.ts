import { Module, type DynamicModule } from '@nestjs/common';

import { TerminusModule } from '@nestjs/terminus';

import { AuthModule } from '../auth/auth.module';
import { ConfigController } from '../config-api/config.controller';
import { DocsController } from './docs.controller';
import { OpenApiDocument } from './openapi-document';
import { HealthController } from '../health/health.controller';
import { HistoryModule } from '../history/history.module';
import { ShutdownService } from '../lifecycle/shutdown.service';
import { SandboxModule } from '../sandbox/sandbox.module';

/** Running the server: health, configuration, API docs, graceful shutdown. */
@Module({})
export class OperationsModule {
  /** `runs` is the application's one RunsModule (the worker must exist once). */
  static withRuns(runs: DynamicModule): DynamicModule {
    return {
      module: OperationsModule,
      imports: [TerminusModule, AuthModule, HistoryModule, SandboxModule, runs],
      controllers: [ConfigController, HealthController, DocsController],
      providers: [ShutdownService, OpenApiDocument],
    };
  }
}
