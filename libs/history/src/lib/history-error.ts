/** Machine-readable codes carried by every error this library throws. */
export type HistoryErrorCode =
  | 'INVALID_RUN'
  | 'INVALID_FILTER'
  | 'INVALID_CURSOR'
  | 'INVALID_TRANSITION'
  | 'RUN_EXISTS'
  | 'FIRE_EXISTS'
  | 'RUN_NOT_FOUND'
  | 'STALE_ATTEMPT'
  | 'STORE_CLOSED'
  | 'STORE_UNAVAILABLE'
  | 'OUTBOX_DISABLED'
  | 'INVALID_OPTIONS'
  | 'MIGRATION_FAILED'
  | 'INVALID_ENTRY'
  | 'HISTORY_FILE_NOT_FOUND'
  | 'HISTORY_LOCK_TIMEOUT'
  | 'AUDIT_LOG_CLOSED';

/** Error thrown by @runbooks/history; `code` says what went wrong, `message` says it for people. */
export class HistoryError extends Error {
  /** Stable UPPER_SNAKE code, mapped to HTTP statuses / exit codes at the edge. */
  readonly code: HistoryErrorCode;

  constructor(code: HistoryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HistoryError';
    this.code = code;
  }
}

/** True when `value` is a HistoryError, optionally with the given code. */
export function isHistoryError(value: unknown, code?: HistoryErrorCode): value is HistoryError {
  return value instanceof HistoryError && (code === undefined || value.code === code);
}
