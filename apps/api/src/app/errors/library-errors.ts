import { isDispatchError, type DispatchErrorCode } from '@runbooks/dispatch';
import { isHistoryError, type HistoryErrorCode } from '@runbooks/history';

/**
 * How a library error is answered: a status and message (the error's own when `error` is absent:
 * the caller's mistake, said as the library says it), or null for a bug (a logged 500).
 */
export type LibraryAnswer = { status: number; error?: string } | null;

const CALLERS_MISTAKE: LibraryAnswer = { status: 400 };

const UNAVAILABLE_DISPATCH: LibraryAnswer = {
  status: 503,
  error: 'Service unavailable: the dispatch service cannot be reached',
};
const SHUTTING_DOWN: LibraryAnswer = { status: 503, error: 'Server is shutting down' };

/**
 * `@runbooks/dispatch` codes: Redis unreachable is a 503 the client may retry; an adapter closed
 * while shutting down too; anything else escaping to HTTP is a bug. Exhaustive: a new code does not
 * compile until it is mapped here.
 */
const DISPATCH_ANSWERS: Record<DispatchErrorCode, LibraryAnswer> = {
  QUEUE_UNAVAILABLE: UNAVAILABLE_DISPATCH,
  BUS_UNAVAILABLE: UNAVAILABLE_DISPATCH,
  CANCEL_UNAVAILABLE: UNAVAILABLE_DISPATCH,
  QUEUE_CLOSED: SHUTTING_DOWN,
  BUS_CLOSED: SHUTTING_DOWN,
  CANCEL_CLOSED: SHUTTING_DOWN,
  SINK_FAILED: null,
  INVALID_RUN_ID: null,
  INVALID_EVENT: null,
  INVALID_OPTIONS: null,
};

/**
 * `@runbooks/history` codes: PostgreSQL unreachable is a 503, a closed store means shutdown; bad
 * filters and cursors are the caller's (400); the rest escaping to HTTP is a bug.
 */
const HISTORY_ANSWERS: Record<HistoryErrorCode, LibraryAnswer> = {
  STORE_UNAVAILABLE: { status: 503, error: 'Service unavailable: the run store cannot be reached' },
  STORE_CLOSED: SHUTTING_DOWN,
  INVALID_FILTER: CALLERS_MISTAKE,
  INVALID_CURSOR: CALLERS_MISTAKE,
  INVALID_RUN: null,
  INVALID_TRANSITION: null,
  RUN_EXISTS: null,
  FIRE_EXISTS: null,
  RUN_NOT_FOUND: null,
  STALE_ATTEMPT: null,
  OUTBOX_DISABLED: null,
  INVALID_OPTIONS: null,
  MIGRATION_FAILED: null,
  INVALID_ENTRY: null,
  HISTORY_FILE_NOT_FOUND: null,
  HISTORY_LOCK_TIMEOUT: null,
  AUDIT_LOG_CLOSED: SHUTTING_DOWN,
};

/** The answer for a library error; undefined when `error` is not one of theirs. */
export function libraryAnswerOf(error: unknown): LibraryAnswer | undefined {
  if (isDispatchError(error)) return DISPATCH_ANSWERS[error.code];
  if (isHistoryError(error)) return HISTORY_ANSWERS[error.code];
  return undefined;
}
