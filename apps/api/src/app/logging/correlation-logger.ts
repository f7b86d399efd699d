import { ConsoleLogger, type ConsoleLoggerOptions, type LogLevel } from '@nestjs/common';

import { currentCorrelationId } from '../http/request-context';
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
 * Nest's console logger with the correlation id of the current request in every line logged while
 * working for it: `[Runs] [corr-123] message` in text, `"correlationId"` in JSON.
 */
export class CorrelationLogger extends ConsoleLogger {
  constructor(options: ConsoleLoggerOptions) {
    super(options);
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
