/** Codes of {@link ExecutorError}: programming errors in the call, thrown synchronously. */
export type ExecutorErrorCode = 'INVALID_OPTIONS' | 'INVALID_REQUEST';

/** Error thrown by `execute()` for invalid options or requests (never for script failures). */
export class ExecutorError extends Error {
  /** Machine-readable cause. */
  readonly code: ExecutorErrorCode;

  /** @param code machine-readable cause @param message human-readable detail */
  constructor(code: ExecutorErrorCode, message: string) {
    super(message);
    this.name = 'ExecutorError';
    this.code = code;
  }
}
