import type { LogLevel } from '@nestjs/common';

const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Python level names of `LOGGING_LEVEL` mapped onto Nest's levels (unknown names give INFO). */
const NEST_LEVEL: Record<string, LogLevel> = {
  CRITICAL: 'fatal',
  FATAL: 'fatal',
  ERROR: 'error',
  WARNING: 'warn',
  WARN: 'warn',
  INFO: 'log',
  DEBUG: 'debug',
  NOTSET: 'verbose',
};

/** The Nest log levels printed for a `LOGGING_LEVEL` value: that level and everything above. */
export function logLevelsFor(loggingLevel: string): LogLevel[] {
  const level = NEST_LEVEL[loggingLevel.trim().toUpperCase()] ?? 'log';
  return ORDER.slice(0, ORDER.indexOf(level) + 1);
}
