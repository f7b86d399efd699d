import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

import { Public } from '../auth/public.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import {
  protectedResourceMetadata,
  type ProtectedResourceMetadata,
} from './protected-resource-metadata';

/**
 * RFC 9728 metadata of the MCP endpoint, open to all (it is how an agent without a token learns
 * where to get one). Served at the root path the 401 challenge names and at the path-suffixed
 * form (`…/oauth-protected-resource/mcp`) clients derive from the resource URL.
 */
@ApiExcludeController()
@Controller('.well-known')
export class ProtectedResourceController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Header('Cache-Control', 'public, max-age=3600')
  @Get(['oauth-protected-resource', 'oauth-protected-resource/mcp'])
  metadata(): ProtectedResourceMetadata {
    return protectedResourceMetadata(this.config);
  }
}
