import { Module } from '@nestjs/common';

import { RunbookCatalog } from './runbook-catalog.service';

/** The runbooks folder, parsed and watched: what every feature reads runbooks through. */
@Module({ providers: [RunbookCatalog], exports: [RunbookCatalog] })
export class CatalogModule {}
