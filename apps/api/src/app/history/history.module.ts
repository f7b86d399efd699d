import { Module } from '@nestjs/common';

import { CatalogModule } from '../catalog/catalog.module';
import { HistoryRecorder } from './history-recorder.service';
import { LastRunIndex } from './last-run-index.service';
import { RUN_STORE, runStoreProviders } from './run-store.provider';

/** The run store (records, output), the latest run of each runbook, and the two History files. */
@Module({
  imports: [CatalogModule],
  providers: [...runStoreProviders, LastRunIndex, HistoryRecorder],
  exports: [RUN_STORE, LastRunIndex, HistoryRecorder],
})
export class HistoryModule {}
