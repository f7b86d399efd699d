import { createServer } from 'node:net';

import { StartupError } from './startup-error';

/** A listen failure explained in one line: which port, why, and which variable to change. */
export function explainListenError(port: number, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `Port ${port} is already in use (another server is listening on it). ` +
        `Stop that server, or set API_PORT to a free port (e.g. API_PORT=${port + 1}).`,
    );
  if (code === 'EACCES')
    return new StartupError(
      `Port ${port} needs privileges this process does not have. ` +
        `Set API_PORT to a port above 1023 (e.g. API_PORT=8083).`,
    );
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Fails fast when the HTTP port cannot be bound, before anything starts or logs, by binding it as
 * the server will (every interface) and releasing it at once.
 */
export async function assertPortAvailable(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(explainListenError(port, error)));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}
