/**
 * A start-up failure the server explains itself (a folder in use, a database that never came):
 * `main` prints its message alone and exits 1, without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
