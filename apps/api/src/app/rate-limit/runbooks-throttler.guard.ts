import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import type { Request } from 'express';

import { MetricsService } from '../metrics/metrics.service';
import { EXECUTE_LIMITED } from './rate-limit.decorators';

/** Name of the stricter throttler applied to routes marked `@ExecuteRateLimit()`. */
export const EXECUTE_THROTTLER = 'execute';

/**
 * The global throttler applies everywhere; the `execute` one only where a route opts in. Counts
 * every refusal in the rate-limit metric.
 */
@Injectable()
export class RunbooksThrottlerGuard extends ThrottlerGuard {
  // Property injection: the base guard owns the constructor.
  @Inject(MetricsService) private readonly metrics!: MetricsService;

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    if (request.throttler.name === EXECUTE_THROTTLER) {
      const limited = this.reflector.getAllAndOverride<boolean>(EXECUTE_LIMITED, [
        request.context.getHandler(),
        request.context.getClass(),
      ]);
      if (!limited) return true;
    }
    return super.handleRequest(request);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve((request as unknown as Request).ip ?? 'unknown');
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const request = context.switchToHttp().getRequest<Request>();
    this.metrics.rateLimitHits.inc({
      route: String((request.route as { path?: string } | undefined)?.path ?? request.path),
    });
    return super.throwThrottlingException(context, detail);
  }
}
