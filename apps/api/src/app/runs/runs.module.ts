import { Module, type DynamicModule } from '@nestjs/common';

import { CatalogModule } from '../catalog/catalog.module';
import type { AppConfig } from '../config/app-config';
import { HistoryModule } from '../history/history.module';
import { RunbooksModule } from '../runbooks/runbooks.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { ApprovalExpiry } from './approval-expiry.service';
import { ApprovalsController } from './approvals.controller';
import { ExecuteController } from './execute.controller';
import { ExecuteResponder } from './execute-responder';
import { NestingProofs } from './nesting-proofs';
import { RunCancellation } from './run-cancellation.service';
import { RunEventsService } from './run-events.service';
import { RunLifecycle } from './run-lifecycle.service';
import { RUN_PORTS } from './run-ports';
import { runPortsProviders } from './run-ports.provider';
import { RunResults } from './run-results.service';
import { RunApprovals } from './run-approvals.service';
import { RunSubmission } from './run-submission.service';
import { RunVisibility } from './run-visibility.service';
import { RunWorker } from './run-worker.service';
import { RunsController } from './runs.controller';
import { ScriptRunner } from './script-runner.service';
import { ScheduledOverlapGate } from './scheduled-overlap-gate';

/**
 * Runs: execute, the run records API, and the one run path (submission → queue → worker →
 * script → lifecycle) over the dispatch ports the config chooses.
 */
@Module({})
export class RunsModule {
  static forConfig(config: AppConfig): DynamicModule {
    return {
      module: RunsModule,
      imports: [CatalogModule, HistoryModule, RunbooksModule, SandboxModule],
      controllers: [ExecuteController, RunsController, ApprovalsController],
      providers: [
        ...runPortsProviders(config),
        RunLifecycle,
        RunSubmission,
        RunWorker,
        ScriptRunner,
        RunResults,
        RunCancellation,
        RunEventsService,
        ExecuteResponder,
        NestingProofs,
        RunVisibility,
        RunApprovals,
        ApprovalExpiry,
        ScheduledOverlapGate,
      ],
      // RunEventsService and RunCancellation: for the MCP feature's run gateway.
      exports: [
        RUN_PORTS,
        RunSubmission,
        RunWorker,
        RunEventsService,
        RunCancellation,
        RunVisibility,
        RunLifecycle,
      ],
    };
  }
}
