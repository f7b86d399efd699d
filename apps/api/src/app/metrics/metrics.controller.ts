import { Controller, Get, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

import { Public } from '../auth/public.decorator';

/** `GET /metrics` in Prometheus text format, open like the reference's. */
@Controller()
export class MetricsController extends PrometheusController {
  @Public()
  @SkipThrottle()
  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
