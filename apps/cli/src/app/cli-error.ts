/** Why a command failed; `describeError` turns each code into an exit code. */
export type CliErrorCode =
  | 'USAGE'
  | 'NOT_FOUND'
  | 'FAILED'
  | 'BAD_REQUEST'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'API_UNREACHABLE'
  | 'API_ERROR'
  | 'CONFIG'
  | 'INTERRUPTED';

/** An expected failure with a one-line message for the user (no stack trace unless --debug). */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a {@link CliError} (optionally with the given code). */
export function isCliError(error: unknown, code?: CliErrorCode): error is CliError {
  return error instanceof CliError && (code === undefined || error.code === code);
}
