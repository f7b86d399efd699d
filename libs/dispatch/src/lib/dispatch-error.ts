/** Machine-readable codes carried by every error this library throws. */
export type DispatchErrorCode =
  | 'QUEUE_UNAVAILABLE'
  | 'QUEUE_CLOSED'
  | 'BUS_UNAVAILABLE'
  | 'BUS_CLOSED'
  | 'CANCEL_UNAVAILABLE'
  | 'CANCEL_CLOSED'
  | 'SINK_FAILED'
  | 'INVALID_RUN_ID'
  | 'INVALID_EVENT'
  | 'INVALID_OPTIONS';

/** Error thrown by @runbooks/dispatch; `code` says what went wrong, `message` says it for people. */
export class DispatchError extends Error {
  /** Stable UPPER_SNAKE code, mapped to HTTP statuses (e.g. `*_UNAVAILABLE` → 503) at the edge. */
  readonly code: DispatchErrorCode;

  constructor(code: DispatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DispatchError';
    this.code = code;
  }
}

/** True when `value` is a DispatchError, optionally with the given code. */
export function isDispatchError(value: unknown, code?: DispatchErrorCode): value is DispatchError {
  return value instanceof DispatchError && (code === undefined || value.code === code);
}

/** Throws INVALID_RUN_ID unless `runId` is a usable run id (1-200 characters, no control characters). */
export function assertRunId(runId: unknown): asserts runId is string {
  const printable =
    typeof runId === 'string' &&
    runId.length > 0 &&
    runId.length <= 200 &&
    [...runId].every((char) => char.charCodeAt(0) >= 0x20);
  if (!printable) {
    throw new DispatchError(
      'INVALID_RUN_ID',
      'A run id is a string of 1 to 200 printable characters.',
    );
  }
}
