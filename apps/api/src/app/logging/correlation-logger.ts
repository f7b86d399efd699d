import { ConsoleLogger, type ConsoleLoggerOptions, type LogLevel } from '@nestjs/common';

import { currentCorrelationId } from './request-context';
import { escapeControlChars } from './escape-control-chars';

/** What Nest passes when it builds a JSON log line. */
interface JsonLogOptions {
  context: string;
  logLevel: LogLevel;
  writeStreamType?: 'stdout' | 'stderr';
  errorStack?: unknown;
}

/** A JSON log line as Nest builds it. */
interface JsonLogObject {
  level: LogLevel;
  pid: number;
  timestamp: number;
  message: unknown;
  context?: string;
  stack?: unknown;
}

/**
 * Nest's own start-up chatter (a line per module and per route, about 40 in all): debug level, so
 * that the lines that matter at start (listening, the demo banner, warnings) stay on screen.
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Nest's console logger with the correlation id of the current request in every line logged while
 * working for it: `[Runs] [corr-123] message` in text, `"correlationId"` in JSON. Nest's start-up
 * lines are logged at debug level.
 */
export class CorrelationLogger extends ConsoleLogger {
  constructor(options: ConsoleLoggerOptions) {
    super(options);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context))
      super.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }

  protected override formatContext(context: string): string {
    const formatted = super.formatContext(context);
    const correlationId = currentCorrelationId();
    return correlationId ? `${formatted}[${correlationId}] ` : formatted;
  }

  /** Text lines: control characters in a message (a token's `sub`, a file name) are escaped. */
  protected override stringifyMessage(message: unknown, logLevel: LogLevel): unknown {
    const safe = typeof message === 'string' ? escapeControlChars(message) : message;
    return super.stringifyMessage(safe, logLevel) as unknown;
  }

  protected override getJsonLogObject(
    message: unknown,
    options: JsonLogOptions,
  ): JsonLogObject & { correlationId?: string } {
    const object = super.getJsonLogObject(message, options);
    const correlationId = currentCorrelationId();
    return correlationId ? { ...object, correlationId } : object;
  }
}
