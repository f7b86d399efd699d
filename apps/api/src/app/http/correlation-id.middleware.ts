import { randomUUID } from 'node:crypto';

import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Header carrying the correlation id in both directions. */
export const CORRELATION_HEADER = 'X-Correlation-Id';

/** The correlation id of a request (set by {@link CorrelationIdMiddleware}). */
export function correlationIdOf(request: Request): string {
  return (request as Request & { correlationId?: string }).correlationId ?? '';
}

/** Accepts `X-Correlation-Id` (or makes one), echoes it, and keeps it on the request. */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.header(CORRELATION_HEADER)?.trim();
    const id = given && given.length <= 200 ? given : randomUUID();
    (request as Request & { correlationId?: string }).correlationId = id;
    response.setHeader(CORRELATION_HEADER, id);
    next();
  }
}
