import { randomUUID } from 'node:crypto';

import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { runInRequestContext } from '../logging/request-context';

/** Header carrying the correlation id in both directions. */
export const CORRELATION_HEADER = 'X-Correlation-Id';

/**
 * Ids we accept from clients: they end up in headers, logs and scripts' environments (also inside
 * `RUNBOOK_HEADERS`, which scripts may expand unquoted), so only a safe alphabet is kept.
 */
const ACCEPTED_ID = /^[A-Za-z0-9._:@/+=-]{1,200}$/;

/** The correlation id of a request (set by {@link CorrelationIdMiddleware}). */
export function correlationIdOf(request: Request): string {
  return (request as Request & { correlationId?: string }).correlationId ?? '';
}

/**
 * Accepts `X-Correlation-Id` (or makes a UUID), echoes it, keeps it on the request and runs the
 * rest of the request in a context whose log lines carry it.
 */
@Injectable()
export class CorrelationIdMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.header(CORRELATION_HEADER)?.trim();
    const id = given && ACCEPTED_ID.test(given) ? given : randomUUID();
    (request as Request & { correlationId?: string }).correlationId = id;
    response.setHeader(CORRELATION_HEADER, id);
    runInRequestContext({ correlationId: id }, next);
  }
}
