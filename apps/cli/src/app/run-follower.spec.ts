import { ApiClient } from './api-client';
import { isCliError } from './cli-error';
import { followRun, parseDone } from './run-follower';
import {
  sendJson,
  sseEvent,
  startScriptedServer,
  startSse,
  type ScriptedHandler,
  type ScriptedServer,
} from '../testing/scripted-server';

describe('followRun', () => {
  let server: ScriptedServer;
  let handler: ScriptedHandler = () => undefined;
  beforeAll(async () => {
    server = await startScriptedServer((request, response) => handler(request, response));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  const client = (): ApiClient => new ApiClient({ baseUrl: server.url, token: 't' });

  it('re-attaches after a dropped connection with Last-Event-ID, losing and repeating nothing', async () => {
    const done = {
      success: true,
      runbook: 'S.md',
      return_code: 0,
      stdout: 'a\nb\nc\n',
      stderr: '',
      errors: [],
      warnings: [],
    };
    let connection = 0;
    handler = (request, response) => {
      connection++;
      startSse(response, { 'X-Run-Id': 'r1' });
      if (connection === 1) {
        response.write(sseEvent('stdout', 'a\n', 1));
        response.write(sseEvent('stdout', 'b\n', 2));
        setTimeout(() => response.destroy(), 20);
        return;
      }
      if (connection === 2) {
        // Ends cleanly but before done: also resumed.
        expect(request.headers['last-event-id']).toBe('2');
        response.end(': ping\n\n');
        return;
      }
      expect(request.headers['last-event-id']).toBe('2');
      response.write(sseEvent('stdout', 'c\n', 3));
      response.end(sseEvent('done', JSON.stringify(done), 4));
    };
    const api = client();
    const initial = await api.executeStream('S.md', { env_vars: {} });
    const output: string[] = [];
    const reconnects: number[] = [];
    const outcome = await followRun({
      client: api,
      runId: initial.runId,
      initial,
      signal: new AbortController().signal,
      onOutput: (stream, data) => output.push(`${stream}:${data}`),
      onReconnect: (attempt) => reconnects.push(attempt),
      reconnectDelayMs: 10,
    });
    expect(output).toEqual(['stdout:a\n', 'stdout:b\n', 'stdout:c\n']);
    expect(outcome).toEqual({ done, lastEventId: '4' });
    expect(reconnects).toEqual([1, 2]);
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/runbooks/S.md/execute',
      '/api/runs/r1/events',
      '/api/runs/r1/events',
    ]);
  });

  it('gives up after too many failures with a resume hint', async () => {
    handler = (_request, response) => {
      startSse(response);
      response.end(sseEvent('stdout', 'x', 5));
    };
    try {
      await followRun({
        client: client(),
        runId: 'r2',
        signal: new AbortController().signal,
        onOutput: () => undefined,
        maxReconnects: 2,
        reconnectDelayMs: 1,
      });
      throw new Error('expected a failure');
    } catch (error) {
      expect(isCliError(error, 'API_UNREACHABLE')).toBe(true);
      expect((error as Error).message).toBe(
        'lost the event stream of run r2 2 times; resume with `runbook logs r2 --follow --after 5`',
      );
    }
  });

  it('does not retry HTTP errors, and cannot resume without a run id', async () => {
    handler = (_request, response) => sendJson(response, 404, { error: 'Run not found: nope' });
    const notFound = followRun({
      client: client(),
      runId: 'nope',
      signal: new AbortController().signal,
      onOutput: () => undefined,
    });
    await expect(notFound).rejects.toThrow('Run not found: nope');
    expect(server.requests).toHaveLength(1);

    handler = (_request, response) => {
      startSse(response);
      response.end();
    };
    const initial = await client().executeStream('S.md', { env_vars: {} });
    await expect(
      followRun({
        client: client(),
        runId: null,
        initial,
        signal: new AbortController().signal,
        onOutput: () => undefined,
      }),
    ).rejects.toThrow('the event stream ended before the run finished');
    await expect(
      followRun({
        client: client(),
        runId: null,
        signal: new AbortController().signal,
        onOutput: () => undefined,
      }),
    ).rejects.toThrow('no X-Run-Id');
  });

  it('stops when aborted, returning the resume point', async () => {
    handler = (_request, response) => {
      startSse(response, { 'X-Run-Id': 'r3' });
      response.write(sseEvent('stdout', 'tick\n', 11));
    };
    const controller = new AbortController();
    const outcome = await followRun({
      client: client(),
      runId: 'r3',
      signal: controller.signal,
      onOutput: () => controller.abort(),
    });
    expect(outcome).toEqual({ done: null, lastEventId: '11' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      followRun({
        client: client(),
        runId: 'r3',
        signal: aborted.signal,
        onOutput: () => undefined,
      }),
    ).resolves.toEqual({ done: null, lastEventId: null });
  });
});

describe('parseDone', () => {
  it('fills defaults and rejects unreadable results', () => {
    expect(parseDone('{"return_code": 3, "run_id": "r"}')).toEqual({
      success: false,
      runbook: '',
      return_code: 3,
      stdout: '',
      stderr: '',
      errors: [],
      warnings: [],
      run_id: 'r',
    });
    expect(() => parseDone('nope')).toThrow('unreadable done event');
    expect(() => parseDone('{"success": true}')).toThrow('without return_code');
  });
});
