import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';

import { clientIpOf } from '../http/client-ip';
import { MetricsService } from '../metrics/metrics.service';
import { EXECUTE_LIMITED } from './rate-limit.decorators';

/** Name of the stricter throttler applied to routes marked `@ExecuteRateLimit()`. */
export const EXECUTE_THROTTLER = 'execute';

const LIMIT = 'X-RateLimit-Limit';
const REMAINING = 'X-RateLimit-Remaining';
const RESET = 'X-RateLimit-Reset';

/**
 * The global throttler applies everywhere; the `execute` one only where a route opts in. The
 * plain `X-RateLimit-*` headers describe the limit closest to refusing (on execute, usually the
 * execute limit), also on a 429; every refusal is counted in the rate-limit metric.
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
    const response = request.context.switchToHttp().getResponse<Response>();
    const before = headerNumbers(response, '');
    const allowed = await super.handleRequest(request);
    // The base guard wrote `X-RateLimit-*-<name>` for named throttlers; the plain headers keep
    // whichever limit has fewer requests left.
    const suffix = request.throttler.name === 'default' ? '' : `-${request.throttler.name}`;
    const mine = headerNumbers(response, suffix);
    if (mine && (!before || mine.remaining < before.remaining)) {
      response.setHeader(LIMIT, mine.limit);
      response.setHeader(REMAINING, mine.remaining);
      response.setHeader(RESET, mine.reset);
    }
    return allowed;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(clientIpOf(request as unknown as Request) || 'unknown');
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    response.setHeader(LIMIT, detail.limit);
    response.setHeader(REMAINING, 0);
    response.setHeader(RESET, detail.timeToBlockExpire);
    // The base guard names it `Retry-After-<throttler>` for the execute limit; clients read this.
    response.setHeader('Retry-After', Math.max(1, Math.ceil(detail.timeToBlockExpire)));
    this.metrics.rateLimitHits.inc({
      route: String((request.route as { path?: string } | undefined)?.path ?? request.path),
    });
    return super.throwThrottlingException(context, detail);
  }
}

function headerNumbers(
  response: Response,
  suffix: string,
): { limit: number; remaining: number; reset: number } | null {
  const remaining = response.getHeader(`${REMAINING}${suffix}`);
  if (remaining === undefined) return null;
  return {
    limit: Number(response.getHeader(`${LIMIT}${suffix}`)),
    remaining: Number(remaining),
    reset: Number(response.getHeader(`${RESET}${suffix}`)),
  };
}
