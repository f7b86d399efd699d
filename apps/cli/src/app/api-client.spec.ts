import { readEventStream, type EventStreamSource, type SseEvent } from '@runbooks/event-stream';
import { ApiClient, apiError, cursorOf } from './api-client';
import { isCliError, type CliError } from './cli-error';
import {
  sendJson,
  sseEvent,
  startScriptedServer,
  startSse,
  type ScriptedHandler,
  type ScriptedServer,
} from '../testing/scripted-server';

async function failure(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    if (isCliError(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

async function collectEvents(source: EventStreamSource): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const item of readEventStream(source)) if (item.kind === 'event') all.push(item.event);
  return all;
}

describe('ApiClient', () => {
  let server: ScriptedServer;
  let handler: ScriptedHandler = (_request, response) =>
    sendJson(response, 500, { error: 'unset' });
  beforeAll(async () => {
    server = await startScriptedServer((request, response) => handler(request, response));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });

  const client = (token: string | null = 'tok', requestTimeoutMs?: number): ApiClient =>
    new ApiClient({
      baseUrl: `${server.url}/`,
      token,
      ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    });

  it('sends the bearer token and reads JSON', async () => {
    handler = (_request, response) => sendJson(response, 200, { success: true, runbooks: [] });
    await expect(client().listRunbooks()).resolves.toEqual({ success: true, runbooks: [] });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'GET', url: '/api/runbooks' });
    expect(request?.headers['authorization']).toBe('Bearer tok');
    expect(request?.headers['accept']).toBe('application/json');
  });

  it('encodes file names and sends env_vars on validate; 400 is a result, not an error', async () => {
    handler = (_request, response) =>
      sendJson(response, 400, { success: false, runbook: 'A B.md', errors: ['x'], warnings: [] });
    await expect(client().validate('A B.md', { K: 'v' })).resolves.toEqual({
      success: false,
      runbook: 'A B.md',
      errors: ['x'],
      warnings: [],
    });
    expect(server.requests[0]).toMatchObject({
      method: 'PATCH',
      url: '/api/runbooks/A%20B.md/validate',
    });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ env_vars: { K: 'v' } });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('maps error answers to one-line errors with the right codes', async () => {
    const cases: [number, unknown, Record<string, string>, string, RegExp][] = [
      [
        401,
        { error: 'Token has expired' },
        {},
        'UNAUTHENTICATED',
        /^not authenticated: Token has expired \(the token was refused/,
      ],
      [
        403,
        {
          error:
            'RBAC check failed for validate. Missing or invalid claims: roles=viewer (required: sre, api)',
        },
        {},
        'FORBIDDEN',
        /^forbidden: RBAC check failed/,
      ],
      [404, { error: 'Runbook not found: X.md' }, {}, 'NOT_FOUND', /^Runbook not found: X\.md$/],
      [409, { error: 'Run already finished' }, {}, 'CONFLICT', /^Run already finished$/],
      [
        429,
        { error: 'Rate limit exceeded. Please try again later.' },
        { 'Retry-After': '12' },
        'RATE_LIMITED',
        /^rate limited by the API: Rate limit exceeded\. Please try again later\. \(retry in 12 s\)$/,
      ],
      [
        500,
        { error: 'A processing error occurred' },
        {},
        'API_ERROR',
        /^the API failed \(500\): A processing error occurred$/,
      ],
      [400, { error: 'Invalid filename' }, {}, 'BAD_REQUEST', /^bad request: Invalid filename$/],
      [418, {}, {}, 'FAILED', /answered 418: HTTP 418$/],
    ];
    for (const [status, body, headers, code, message] of cases) {
      handler = (_request, response) => sendJson(response, status, body, headers);
      const error = await failure(client().getRunbook('X.md'));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    }
  });

  it('says how to log in when no token was sent', async () => {
    handler = (_request, response) =>
      sendJson(response, 401, { error: 'Missing or invalid Authorization header' });
    const error = await failure(client(null).listRunbooks());
    expect(error.message).toBe(
      'not authenticated: Missing or invalid Authorization header (no token: run `runbook login` or pass --token / RUNBOOK_TOKEN)',
    );
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
  });

  it('copes with HTML error pages and empty bodies', async () => {
    handler = (_request, response) => {
      response.writeHead(404, { 'Content-Type': 'text/html' });
      response.end('<html><body><h1>Not Found</h1></body></html>');
    };
    expect((await failure(client().listRunbooks())).message).toBe('HTTP 404: Not Found');
    handler = (_request, response) => {
      response.writeHead(502);
      response.end();
    };
    expect((await failure(client().listRunbooks())).message).toBe('the API failed (502): HTTP 502');
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('hello');
    };
    expect((await failure(client().listRunbooks())).code).toBe('API_ERROR');
  });

  it('reports a closed port and a silent server as unreachable', async () => {
    const closed = await startScriptedServer(() => undefined);
    const url = closed.url;
    await closed.close();
    const refused = await failure(new ApiClient({ baseUrl: url, token: null }).listRunbooks());
    expect(refused.code).toBe('API_UNREACHABLE');
    expect(refused.message).toBe(`cannot reach the API at ${url}: connection refused`);

    handler = () => undefined; // never answers
    const silent = await failure(client('tok', 200).listRunbooks());
    expect(silent.code).toBe('API_UNREACHABLE');
    expect(silent.message).toMatch(
      /^no answer from http:\/\/127\.0\.0\.1:\d+ within 200 ms \(GET \/api\/runbooks\)$/,
    );
  });

  it('rejects URLs that are not http(s)', () => {
    expect(() => new ApiClient({ baseUrl: 'localhost:8083', token: null })).toThrow(
      /invalid API URL/,
    );
    expect(() => new ApiClient({ baseUrl: 'not a url', token: null })).toThrow(/invalid API URL/);
  });

  it('streams execute events and exposes the run id', async () => {
    handler = (_request, response) => {
      startSse(response, { 'X-Run-Id': 'run-1' });
      response.write(': ping\n\n');
      response.write(sseEvent('stdout', 'hello\n', 1));
      response.write(sseEvent('stderr', 'warn\n', 2));
      response.end(sseEvent('done', JSON.stringify({ success: true, return_code: 0 }), 3));
    };
    const stream = await client().executeStream('S.md', {
      env_vars: { A: '1' },
      labels: { t: 'x' },
    });
    expect(stream.runId).toBe('run-1');
    expect(await collectEvents(stream.source)).toEqual([
      { event: 'stdout', data: 'hello\n', id: '1', hasId: true },
      { event: 'stderr', data: 'warn\n', id: '2', hasId: true },
      { event: 'done', data: '{"success":true,"return_code":0}', id: '3', hasId: true },
    ]);
    const [request] = server.requests;
    expect(request?.headers['accept']).toBe('text/event-stream');
    expect(JSON.parse(request?.body ?? '')).toEqual({ env_vars: { A: '1' }, labels: { t: 'x' } });
  });

  it('turns a JSON execute answer into events', async () => {
    handler = (_request, response) =>
      sendJson(response, 200, {
        success: false,
        return_code: 2,
        stdout: 'out',
        stderr: '',
        run_id: 'r9',
      });
    const stream = await client().executeStream('S.md', { env_vars: {} });
    expect(stream.runId).toBe('r9');
    const events = await collectEvents(stream.source);
    expect(events.map((event) => event.event)).toEqual(['stdout', 'done']);
    expect(JSON.parse(events[1]?.data ?? '')).toMatchObject({ return_code: 2, run_id: 'r9' });
  });

  it('fails before streaming on error answers', async () => {
    handler = (_request, response) =>
      sendJson(response, 403, {
        error:
          'RBAC check failed for execute. Missing or invalid claims: roles= (required: sre, api)',
        success: false,
      });
    const error = await failure(client().executeStream('S.md', { env_vars: {} }));
    expect(error.code).toBe('FORBIDDEN');
  });

  it('starts detached runs with Prefer: respond-async', async () => {
    handler = (_request, response) =>
      sendJson(
        response,
        202,
        { run_id: 'r1', status: 'queued', location: '/api/runs/r1' },
        { Location: '/api/runs/r1' },
      );
    await expect(client().executeDetached('S.md', { env_vars: {} })).resolves.toEqual({
      run_id: 'r1',
      status: 'queued',
      location: '/api/runs/r1',
    });
    expect(server.requests[0]?.headers['prefer']).toBe('respond-async');
    handler = (_request, response) =>
      sendJson(response, 202, {}, { 'X-Run-Id': 'r2', Location: '/api/runs/r2' });
    await expect(client().executeDetached('S.md', { env_vars: {} })).resolves.toEqual({
      run_id: 'r2',
      status: 'queued',
      location: '/api/runs/r2',
    });
    handler = (_request, response) => sendJson(response, 200, { success: true });
    expect((await failure(client().executeDetached('S.md', { env_vars: {} }))).code).toBe(
      'API_ERROR',
    );
  });

  it('queries runs, follows cursors, cancels and replays events', async () => {
    handler = (request, response) => {
      if (request.url.startsWith('/api/runs?'))
        return sendJson(response, 200, { data: [], links: { next: null } });
      if (request.url.endsWith('/cancel'))
        return sendJson(response, 200, { id: 'r1', status: 'canceled' });
      if (request.url.endsWith('/events')) {
        startSse(response);
        return void response.end(sseEvent('done', '{"return_code":0}', 9));
      }
      return sendJson(response, 200, { id: 'r1', status: 'running' });
    };
    const api = client();
    await api.listRuns({
      status: ['running'],
      runbook: 'S.md',
      requestedBy: 'bob',
      labels: { env: 'prod' },
      limit: 5,
    });
    await api.listRunsNext('/api/runs?cursor=abc%3D&limit=5', {});
    await api.getRun('r1');
    await api.cancelRun('r1', 'wrong target');
    await api.cancelRun('r1');
    const events = await api.runEvents('r1', '7');
    expect(await collectEvents(events.source)).toHaveLength(1);
    expect(
      server.requests.map((request) => `${request.method} ${decodeURIComponent(request.url)}`),
    ).toEqual([
      'GET /api/runs?filter[status]=running&filter[runbook]=S.md&filter[requested_by]=bob&filter[labels][env]=prod&limit=5',
      'GET /api/runs?cursor=abc=',
      'GET /api/runs/r1',
      'POST /api/runs/r1/cancel',
      'POST /api/runs/r1/cancel',
      'GET /api/runs/r1/events',
    ]);
    expect(JSON.parse(server.requests[3]?.body ?? '')).toEqual({ reason: 'wrong target' });
    expect(JSON.parse(server.requests[4]?.body ?? '')).toEqual({});
    expect(server.requests[5]?.headers['last-event-id']).toBe('7');
  });

  it('calls dev-login without a token and reads config', async () => {
    handler = (request, response) =>
      request.url === '/dev-login'
        ? sendJson(response, 200, {
            access_token: 'a.b.c',
            token_type: 'bearer',
            expires_at: 'x',
            subject: 's',
            roles: ['sre'],
          })
        : sendJson(response, 200, {
            config_items: [],
            token: { user_id: 's', roles: [], remote_ip: '', claims: {} },
          });
    await expect(client().devLogin({ subject: 's', roles: ['sre'] })).resolves.toMatchObject({
      access_token: 'a.b.c',
    });
    expect(server.requests[0]?.headers['authorization']).toBeUndefined();
    await expect(client().getConfig()).resolves.toMatchObject({ config_items: [] });
    expect(client().hasToken).toBe(true);
    expect(client(null).hasToken).toBe(false);
  });
});

describe('query helpers', () => {
  it('builds run queries and reads cursors', () => {
    expect(cursorOf('abc')).toBe('abc');
    expect(cursorOf('http://h/api/runs?limit=2&cursor=xyz')).toBe('xyz');
    expect(cursorOf('/api/runs?limit=2')).toBe('/api/runs?limit=2');
  });

  it('reads rate-limit resets given as a delay or an HTTP date', () => {
    const headers = (values: Record<string, string>): Pick<Headers, 'get'> => ({
      get: (name: string) => values[name] ?? null,
    });
    const soon = new Date(Date.now() + 60_000).toUTCString();
    expect(
      apiError(
        { status: 429, headers: headers({ 'retry-after': soon }) } as never,
        {},
        'GET /x',
        true,
      ).message,
    ).toMatch(/retry in (59|60|61) s/);
    expect(
      apiError(
        { status: 429, headers: headers({ 'x-ratelimit-reset': '5' }) } as never,
        {},
        'GET /x',
        true,
      ).message,
    ).toMatch(/retry in 5 s/);
    expect(
      apiError(
        { status: 429, headers: headers({}) } as never,
        { error: 'slow down' },
        'GET /x',
        true,
      ).message,
    ).toBe('rate limited by the API: slow down');
  });
});
