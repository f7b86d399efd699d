import { Controller, Get, Res } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

import { Public } from '../auth/public.decorator';
import { ApiOperationDoc, ApiTextResult } from '../docs/api-docs.decorators';

/** `GET /metrics` in Prometheus text format, open like the reference's. */
@Controller()
export class MetricsController extends PrometheusController {
  @ApiOperationDoc({
    tag: 'Operations',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description:
      'http_requests_total and http_request_duration_seconds by method, route and status; runbook_runs_total and runbook_run_duration_seconds by runbook and status; runbook_active_runs, runbook_queued_runs, runbook_rbac_denials_total, runbook_rate_limit_hits_total, runbook_api_info; default process and Node.js metrics.',
  })
  @ApiTextResult(200, 'text/plain', 'Prometheus text format', false)
  @Public()
  @SkipThrottle()
  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
