import { Module, type DynamicModule } from '@nestjs/common';

import { CatalogModule } from '../catalog/catalog.module';
import { HistoryModule } from '../history/history.module';
import { RunbooksModule } from '../runbooks/runbooks.module';
import { Scheduler } from './scheduler.service';
import { SchedulesController } from './schedules.controller';

/**
 * Runbooks' `# Schedule`s: the scheduler (submits through the app's one RunsModule) and
 * `GET /api/schedules`.
 */
@Module({})
export class SchedulesModule {
  /** `runs` is the application's one RunsModule (the worker must exist once). */
  static withRuns(runs: DynamicModule): DynamicModule {
    return {
      module: SchedulesModule,
      imports: [CatalogModule, HistoryModule, RunbooksModule, runs],
      controllers: [SchedulesController],
      providers: [Scheduler],
    };
  }
}
