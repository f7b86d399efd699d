import { Controller, Get, HttpCode, Inject, Logger, Post, Req, UseGuards } from '@nestjs/common';
import type { ApiInfo, ConfigResponse, ShutdownResponse } from '@runbooks/types';
import type { Request } from 'express';

import { AdminGuard } from '../auth/admin.guard';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Public } from '../auth/public.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ApiErrors, ApiJsonResult, ApiOperationDoc } from '../docs/api-docs.decorators';
import { SERVER_VERSION } from '../config/server-version';
import { clientIpOf } from '../http/client-ip';
import { ShutdownService } from '../lifecycle/shutdown.service';
import { ScriptSandbox } from '../sandbox/script-sandbox.service';

/** Configuration, identity and lifecycle endpoints. */
@Controller('api')
export class ConfigController {
  private readonly logger = new Logger('Config');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly shutdown: ShutdownService,
    private readonly sandbox: ScriptSandbox,
  ) {}

  /** Public facts a client needs before signing in. */
  @ApiOperationDoc({
    tag: 'Operations',
    operationId: 'getInfo',
    summary: 'Server facts for clients',
    description:
      'Name, version, UI header, whether dev-login is enabled and how scripts are sandboxed. No token needed.',
  })
  @ApiJsonResult(200, 'ApiInfo', 'Server facts')
  @ApiErrors(429)
  @Public()
  @Get('info')
  info(): ApiInfo {
    return {
      name: 'runbooks',
      version: SERVER_VERSION,
      ui_header: this.config.uiHeader,
      dev_login: this.config.enableLogin,
      sandbox: this.sandbox.mode,
    };
  }

  @ApiOperationDoc({
    tag: 'Config',
    operationId: 'getConfig',
    summary: 'Configuration and caller identity',
    description:
      'Every configuration variable (`config_items`, reference order first, secrets as "secret") and the caller\'s token as the server sees it. Requires ADMIN_REQUIRED_CLAIMS (default roles=admin).',
  })
  @ApiJsonResult(200, 'ConfigResponse', 'Configuration and token')
  @ApiErrors(401, 403, 429)
  @UseGuards(AdminGuard)
  @Get('config')
  getConfig(@CurrentCaller() caller: Caller, @Req() request: Request): ConfigResponse {
    return {
      config_items: this.config.items,
      token: {
        user_id: caller.userId,
        roles: caller.roles,
        remote_ip: clientIpOf(request),
        claims: caller.claims,
      },
    };
  }

  @ApiOperationDoc({
    tag: 'Config',
    operationId: 'shutdown',
    summary: 'Shut the server down gracefully',
    description:
      'Stops accepting runs, lets running ones finish for SHUTDOWN_GRACE_SECONDS, cancels and records the rest, then exits 0. Requires ADMIN_REQUIRED_CLAIMS.',
  })
  @ApiJsonResult(200, 'ShutdownResponse', 'Shutdown initiated')
  @ApiErrors(401, 403, 429)
  @UseGuards(AdminGuard)
  @Post('shutdown')
  @HttpCode(200)
  requestShutdown(@CurrentCaller() caller: Caller): ShutdownResponse {
    this.logger.warn(`Shutdown requested by ${caller.userId || 'unknown'}`);
    void this.shutdown.begin('api');
    return { message: 'Shutdown initiated' };
  }
}
