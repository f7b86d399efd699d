import { Module, type DynamicModule } from '@nestjs/common';

import { CatalogModule } from '../catalog/catalog.module';
import { HistoryModule } from '../history/history.module';
import { RunbooksModule } from '../runbooks/runbooks.module';
import { ApiMcpBackendFactory } from './api-mcp-backend';
import { McpController } from './mcp.controller';
import { McpExecuteLimit } from './mcp-execute-limit';
import { ProtectedResourceController } from './protected-resource.controller';
import { McpRunGateway } from './run-gateway';

/**
 * The MCP server (`/mcp`) and its RFC 9728 metadata. Imported only when `MCP_ENABLED` is true, so
 * with it off both paths are plain unknown routes (404). Reaches runs through the app's one
 * RunsModule (via its run gateway), runbooks through the catalog and RunbookAccess.
 */
@Module({})
export class McpModule {
  /** `runs` is the application's one RunsModule (the worker must exist once). */
  static withRuns(runs: DynamicModule): DynamicModule {
    return {
      module: McpModule,
      imports: [CatalogModule, HistoryModule, RunbooksModule, runs],
      controllers: [McpController, ProtectedResourceController],
      providers: [McpRunGateway, McpExecuteLimit, ApiMcpBackendFactory],
    };
  }
}
