import { Module } from '@nestjs/common';

import { CatalogModule } from '../catalog/catalog.module';
import { HistoryModule } from '../history/history.module';
import { RunbookAccess } from './runbook-access.service';
import { RunbooksController } from './runbooks.controller';

/** The reference's runbook endpoints (list, get, required-env, validate) and who may do what. */
@Module({
  imports: [CatalogModule, HistoryModule],
  controllers: [RunbooksController],
  providers: [RunbookAccess],
  exports: [RunbookAccess],
})
export class RunbooksModule {}
