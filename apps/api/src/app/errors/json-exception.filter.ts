import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';

import { AppError, STATUS_OF } from './app-error';
import { libraryAnswerOf } from './library-errors';
import { carriesSuccessFlag } from './success-flag';
import { allowedMethodsFor } from './route-methods';

interface BodyParserError {
  type?: string;
  status?: number;
}

const GENERIC_500 = 'A processing error occurred';

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string'
  );
}

/** What to answer for an error: status, message, extra body fields and headers. */
interface Answer {
  status: number;
  error: string;
  success?: false;
  headers?: Record<string, string>;
  /** A body to send as it is (terminus' health report) instead of `{ error }`. */
  body?: object;
}

/** Terminus' report `{ status, info, error, details }`, thrown as a 503 by a failing check. */
function healthReportOf(exception: HttpException): object | null {
  const body = exception.getResponse();
  if (typeof body !== 'object' || body === null) return null;
  return 'status' in body && 'details' in body ? body : null;
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const { message, error } = body as { message?: unknown; error?: unknown };
  const text = message ?? error;
  if (Array.isArray(text)) return text.map(String).join('; ');
  return typeof text === 'string' ? text : exception.message;
}

/**
 * The one place errors become HTTP: every failure is JSON `{ "error": ... }` — unknown routes 404,
 * wrong methods 405 with `Allow`, malformed JSON 400, oversized bodies 413 — never HTML, never a
 * stack trace or an absolute path.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const answer = this.answerFor(exception, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(answer.headers ?? {}))
      response.setHeader(name, value);
    // Every 429 says when to come back (RFC 9110 §10.2.3), whichever limit refused.
    if (answer.status === 429 && response.getHeader('Retry-After') === undefined)
      response.setHeader('Retry-After', String(response.getHeader('X-RateLimit-Reset') ?? 60));
    if (answer.status === 204) {
      response.status(204).end();
      return;
    }
    const body =
      answer.body ??
      (answer.success === false
        ? { error: answer.error, success: false }
        : { error: answer.error });
    response.status(answer.status).json(body);
  }

  private answerFor(exception: unknown, request: Request): Answer {
    if (exception instanceof AppError) {
      const answer: Answer = { status: STATUS_OF[exception.code], error: exception.message };
      if (carriesSuccessFlag(exception)) answer.success = false;
      return answer;
    }
    const library = libraryAnswerOf(exception);
    if (library === null) return this.bug(exception);
    if (library !== undefined)
      return { status: library.status, error: library.error ?? (exception as Error).message };
    if (isBodyParserError(exception)) {
      if (exception.type === 'entity.too.large')
        return { status: 413, error: 'Request body is larger than 1 MB' };
      if (exception.type === 'entity.parse.failed')
        return { status: 400, error: 'Malformed JSON body' };
      return { status: exception.status ?? 400, error: 'Unreadable request body' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const report = status === 503 ? healthReportOf(exception) : null;
      if (report) return { status, error: 'Service unavailable', body: report };
      if (status === 404 && messageOf(exception).startsWith('Cannot '))
        return this.unrouted(request);
      return { status, error: messageOf(exception) };
    }
    return this.bug(exception);
  }

  /** Something nobody mapped: logged in full, answered without details. */
  private bug(exception: unknown): Answer {
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return { status: 500, error: GENERIC_500 };
  }

  private unrouted(request: Request): Answer {
    const allowed = allowedMethodsFor(request);
    // OPTIONS on a routed path: no CORS, just the allowed methods (the reference answered 200).
    if (request.method === 'OPTIONS' && allowed.length > 0)
      return { status: 204, error: '', headers: { Allow: allowed.join(', ') } };
    if (allowed.length > 0) {
      return { status: 405, error: 'Method not allowed', headers: { Allow: allowed.join(', ') } };
    }
    return { status: 404, error: 'Not found' };
  }
}
