import { createServer, type Server } from 'node:net';

import { freePort, startApi, stopAllServers } from './support/api-server';

/** Holds a port the way another server would (every interface). */
async function occupy(port: number): Promise<Server> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(port, resolve));
  return holder;
}

describe('start-up output', () => {
  afterAll(stopAllServers);

  it('a taken port is one line naming the variable to change: no banner, no stack trace', async () => {
    const port = await freePort();
    const holder = await occupy(port);
    try {
      const server = await startApi({
        env: { API_PORT: String(port), RUNBOOK_DEMO: 'true' },
        waitLive: false,
      });
      expect(await server.waitForExit()).toBe(1);
      expect(server.logs).toBe(
        `Runbooks could not start: Port ${port} is already in use (another server is listening ` +
          `on it). Stop that server, or set API_PORT to a free port (e.g. API_PORT=${port + 1}).\n`,
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('prints the demo banner once listening, without a line per route or module', async () => {
    const server = await startApi({ env: { RUNBOOK_DEMO: 'true' } });
    const logs = server.logs;
    expect(logs).toContain(`Runbooks demo — http://localhost:${server.port}/`);
    // Paths inside the folder the server started in are shown relative to it.
    expect(logs).toContain('runbooks: runbooks   runs: data');
    expect(logs).toContain('Another port: API_PORT=8084 npm start');
    expect(logs).toContain(`Runbooks API listening on http://localhost:${server.port}`);
    expect(logs).not.toContain('Mapped {');
    expect(logs).not.toContain('dependencies initialized');
    expect(logs).not.toContain('Nest application successfully started');
  });

  it('keeps the route and module lines at debug level', async () => {
    const server = await startApi({ env: { LOGGING_LEVEL: 'DEBUG' } });
    expect(server.logs).toContain('Mapped {/api/runbooks, GET} route');
    expect(server.logs).not.toContain('Runbooks demo');
  });
});
