/** Failure kinds the API reports; the exception filter maps each to one HTTP status. */
export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_FILENAME'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** HTTP status of each error code (the only place statuses are chosen for domain errors). */
export const STATUS_OF: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  INVALID_FILENAME: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** An error the API answers with `{ "error": message }` (`success: false` too on execute). */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
