import type { ApiClient } from './api-client';
import { CliError, isCliError } from './cli-error';
import { closestName } from './did-you-mean';

/**
 * Runs a request about one runbook; when the server answers 404, asks it for its runbooks and
 * adds the closest name to the error (`…; did you mean SimpleRunbook.md?`). The listing is a
 * convenience: when it fails, the server's 404 stands as it was.
 */
export async function suggestOnNotFound<T>(
  client: ApiClient,
  filename: string,
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!isCliError(error, 'NOT_FOUND')) throw error;
    const names = await client.listRunbooks().then(
      (body) => body.runbooks.map((item) => item.filename).filter((name) => name !== filename),
      () => [],
    );
    const suggestion = closestName(filename, names);
    if (suggestion === null) throw error;
    throw new CliError('NOT_FOUND', `${error.message}; did you mean ${suggestion}?`, {
      cause: error,
    });
  }
}
