import { Controller, Get, HttpCode, Inject, Logger, Post, Req, UseGuards } from '@nestjs/common';
import type { ApiInfo, ConfigResponse, ShutdownResponse } from '@runbooks/types';
import type { Request } from 'express';

import { AdminGuard } from '../auth/admin.guard';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { Public } from '../auth/public.decorator';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SERVER_VERSION } from '../config/server-version';
import { ShutdownService } from '../lifecycle/shutdown.service';

/** Configuration, identity and lifecycle endpoints. */
@Controller('api')
export class ConfigController {
  private readonly logger = new Logger('Config');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly shutdown: ShutdownService,
  ) {}

  /** Public facts a client needs before signing in. */
  @Public()
  @Get('info')
  info(): ApiInfo {
    return {
      name: 'runbooks',
      version: SERVER_VERSION,
      ui_header: this.config.uiHeader,
      dev_login: this.config.enableLogin,
    };
  }

  @UseGuards(AdminGuard)
  @Get('config')
  getConfig(@CurrentCaller() caller: Caller, @Req() request: Request): ConfigResponse {
    return {
      config_items: this.config.items,
      token: {
        user_id: caller.userId,
        roles: caller.roles,
        remote_ip: request.ip ?? '',
        claims: caller.claims,
      },
    };
  }

  @UseGuards(AdminGuard)
  @Post('shutdown')
  @HttpCode(200)
  requestShutdown(@CurrentCaller() caller: Caller): ShutdownResponse {
    this.logger.warn(`Shutdown requested by ${caller.userId || 'unknown'}`);
    void this.shutdown.begin('api');
    return { message: 'Shutdown initiated' };
  }
}
