import {
  Catch,
  Inject,
  UnauthorizedException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JsonExceptionFilter } from '../errors/json-exception.filter';
import { protectedResourceMetadataUrl } from './protected-resource-metadata';

/**
 * On `/mcp`, a missing or bad token is a 401 with `WWW-Authenticate: Bearer resource_metadata=…`
 * (MCP authorization, RFC 9728), so an agent can discover where to get a token. The body and every
 * other error are the API's usual JSON answers.
 */
@Catch()
export class McpAuthChallengeFilter implements ExceptionFilter {
  private readonly json = new JsonExceptionFilter();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof UnauthorizedException) {
      const response = host.switchToHttp().getResponse<Response>();
      if (!response.headersSent)
        response.setHeader(
          'WWW-Authenticate',
          `Bearer resource_metadata="${protectedResourceMetadataUrl(this.config)}"`,
        );
    }
    this.json.catch(exception, host);
  }
}
