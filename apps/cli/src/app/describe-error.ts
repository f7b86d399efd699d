import { isHistoryError } from '@runbooks/history';
import { ExecutorError } from '@runbooks/executor';
import { CommanderError } from 'commander';
import type { CliErrorCode } from './cli-error';
import { CliError } from './cli-error';
import { ExitCode } from './exit-codes';

/** What to print and which exit code to use for a failure. */
export interface ErrorReport {
  exitCode: number;
  /** One line (no trailing newline), or empty when the message was already printed. */
  message: string;
  /** Stack trace and causes, only with --debug. */
  detail: string | null;
}

const EXIT_CODES: Record<CliErrorCode, number> = {
  USAGE: ExitCode.USAGE,
  NOT_FOUND: ExitCode.NOT_FOUND,
  FAILED: ExitCode.FAILURE,
  BAD_REQUEST: ExitCode.FAILURE,
  CONFLICT: ExitCode.FAILURE,
  UNAUTHENTICATED: ExitCode.NO_PERMISSION,
  FORBIDDEN: ExitCode.NO_PERMISSION,
  RATE_LIMITED: ExitCode.TEMP_FAIL,
  API_UNREACHABLE: ExitCode.UNAVAILABLE,
  API_ERROR: ExitCode.UNAVAILABLE,
  CONFIG: ExitCode.CONFIG,
  INTERRUPTED: ExitCode.INTERRUPTED,
};

/** The exit code a {@link CliError} code maps to. */
export function exitCodeFor(code: CliErrorCode): number {
  return EXIT_CODES[code];
}

/**
 * The one place that maps any thrown value to an exit code and a one-line message: CLI errors,
 * argument errors from commander, errors carrying a `code` from the libs, and bugs.
 */
export function describeError(error: unknown, debug: boolean): ErrorReport {
  const detail = debug ? stackOf(error) : null;
  if (error instanceof CommanderError) {
    // commander already printed its own "error: ..." line (or the help/version text).
    const ok = error.exitCode === 0;
    return { exitCode: ok ? ExitCode.OK : ExitCode.USAGE, message: '', detail: ok ? null : detail };
  }
  if (error instanceof CliError) {
    return { exitCode: exitCodeFor(error.code), message: `error: ${error.message}`, detail };
  }
  if (isHistoryError(error)) {
    const exitCode =
      error.code === 'HISTORY_FILE_NOT_FOUND' ? ExitCode.NOT_FOUND : ExitCode.FAILURE;
    return { exitCode, message: `error: could not record history: ${error.message}`, detail };
  }
  if (error instanceof ExecutorError) {
    return { exitCode: ExitCode.USAGE, message: `error: ${error.message}`, detail };
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (error instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    // File system errors (EACCES, EISDIR, ENOSPC, …) are the user's environment, not a bug.
    const exitCode = code === 'ENOENT' ? ExitCode.NOT_FOUND : ExitCode.FAILURE;
    return { exitCode, message: `error: ${error.message}`, detail };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    exitCode: ExitCode.SOFTWARE,
    message: `error: internal error: ${text}${debug ? '' : ' (run with --debug for details)'}`,
    detail: debug ? stackOf(error) : null,
  };
}

function stackOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    parts.push(
      current instanceof Error ? (current.stack ?? current.message) : JSON.stringify(current),
    );
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}
