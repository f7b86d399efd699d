import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { CapturedIo } from '../testing/captured-io';
import {
  sendJson,
  sseEvent,
  startScriptedServer,
  startSse,
  type RecordedRequest,
  type ScriptedHandler,
  type ScriptedServer,
} from '../testing/scripted-server';
import { runCli } from './program';

const SIMPLE = readFileSync(
  resolve(__dirname, '../../../../samples/runbooks/SimpleRunbook.md'),
  'utf8',
);

function jwt(payload: Record<string, unknown>): string {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}

const RUN = {
  id: 'r1',
  runbook: 'SimpleRunbook.md',
  status: 'success',
  operation: 'execute',
  return_code: 0,
  requested_by: 'alice',
  roles: ['sre'],
  correlation_id: 'c',
  recursion_stack: ['SimpleRunbook.md'],
  labels: {},
  env_var_names: [],
  created_at: '2026-11-22T08:00:00.000Z',
  started_at: '2026-11-22T08:00:00.100Z',
  finished_at: '2026-11-22T08:00:02.600Z',
  attempt: 1,
  stdout: 'tail out\n',
  stderr: '',
  errors: [],
  warnings: [],
};

/**
 * The remote client against a scripted HTTP server (wire-level behaviour, failure modes); the
 * real API is exercised from outside by apps/cli-e2e.
 */
describe('runbook (remote mode, in process)', () => {
  let server: ScriptedServer;
  let handler: ScriptedHandler = () => undefined;
  let root: string;
  let io: CapturedIo;

  beforeAll(async () => {
    server = await startScriptedServer((request, response) => handler(request, response));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    root = mkdtempSync(join(tmpdir(), 'runbook-cli-remote-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function newIo(env: Record<string, string> = {}): CapturedIo {
    return new CapturedIo(
      root,
      { XDG_CONFIG_HOME: join(root, 'config'), RUNBOOK_API_URL: server.url, ...env },
      root,
    );
  }

  async function run(args: string[], env: Record<string, string> = { RUNBOOK_TOKEN: 'tok' }) {
    io = newIo(env);
    const code = await runCli(args, io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  }

  const requestLine = (request: RecordedRequest | undefined): string =>
    request ? `${request.method} ${decodeURIComponent(request.url)}` : '';

  it('list, show, env and config pass the API shapes through --json', async () => {
    const list = {
      success: true,
      runbooks: [
        {
          filename: 'SimpleRunbook.md',
          name: 'SimpleRunbook',
          path: 'SimpleRunbook.md',
          can_execute: false,
          last_run: { ...RUN, status: 'failure' },
        },
      ],
    };
    handler = (request, response) => {
      if (request.url === '/api/runbooks') return sendJson(response, 200, list);
      if (request.url === '/api/runbooks/SimpleRunbook.md')
        return sendJson(response, 200, {
          success: true,
          filename: 'SimpleRunbook.md',
          name: 'SimpleRunbook',
          content: SIMPLE,
        });
      if (request.url.endsWith('/required-env')) {
        const item = { name: 'TEST_VAR', description: 'Any text' };
        return sendJson(response, 200, {
          success: true,
          filename: 'SimpleRunbook.md',
          required: [item],
          available: [],
          missing: [item],
        });
      }
      return sendJson(response, 200, {
        config_items: [{ name: 'API_PORT', value: '8083', from: 'default' }],
        token: { user_id: 'alice', roles: ['admin'], remote_ip: '127.0.0.1', claims: {} },
      });
    };
    expect(JSON.parse((await run(['list', '--json'])).stdout)).toEqual(list);
    const table = await run(['list']);
    expect(table.stdout).toMatch(
      /^FILE\s+NAME\s+CAN RUN\s+LAST RUN\s+DESCRIPTION\nSimpleRunbook\.md\s+SimpleRunbook\s+no\s+failure 2026-11-22 08:00:02Z/,
    );
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer tok');

    const show = await run(['show', './somewhere/SimpleRunbook.md'], {
      RUNBOOK_TOKEN: jwt({ sub: 'bob', roles: ['viewer'] }),
    });
    expect(show.stdout).toContain('SimpleRunbook\n═════════════');
    expect(show.stdout).toContain(
      'bob may not run it: RBAC check failed for execute. Missing or invalid claims: roles=viewer (required: sre, api)',
    );

    const env = await run(['env', 'SimpleRunbook', '-e', 'TEST_VAR=x']);
    expect(env.stdout).toMatch(/TEST_VAR\s+given \(--env\)/);
    expect(env.stdout).toContain('✓ all 1 required variables are available');
    expect((await run(['env', 'SimpleRunbook'])).stdout).toMatch(/TEST_VAR\s+missing/);

    const config = await run(['config']);
    expect(config.stdout).toMatch(
      /^NAME\s+VALUE\s+FROM\nAPI_PORT\s+8083\s+default\n\nSigned in to http:\/\/127\.0\.0\.1:\d+ as alice \(roles: admin\)\n$/,
    );
    expect(JSON.parse((await run(['config', '--json'])).stdout)).toMatchObject({
      token: { user_id: 'alice' },
    });
  });

  it('validate maps the server messages to positions from its copy of the runbook', async () => {
    handler = (request, response) =>
      request.method === 'PATCH'
        ? sendJson(response, 400, {
            success: false,
            runbook: 'SimpleRunbook.md',
            errors: [
              'Required environment variable not set: TEST_VAR',
              'Something only the server says',
            ],
            warnings: [],
          })
        : sendJson(response, 200, {
            success: true,
            filename: 'SimpleRunbook.md',
            name: 'SimpleRunbook',
            content: SIMPLE,
          });
    const outcome = await run(['validate', 'SimpleRunbook', '-e', 'OTHER=1']);
    expect(outcome).toEqual({
      code: 1,
      stdout:
        'SimpleRunbook.md:8:1: error: Required environment variable not set: TEST_VAR\n' +
        'SimpleRunbook.md: error: Something only the server says\n' +
        '✗ SimpleRunbook.md is invalid: 2 errors\n',
      stderr: '',
    });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ env_vars: { OTHER: '1' } });
    handler = (_request, response) =>
      sendJson(response, 200, {
        success: true,
        runbook: 'SimpleRunbook.md',
        errors: [],
        warnings: [],
      });
    expect(await run(['validate', 'SimpleRunbook', '-e', 'TEST_VAR=1'])).toMatchObject({
      code: 0,
      stdout: '✓ SimpleRunbook.md is valid\n',
    });
  });

  it('maps 401/403/404/429 and unreachable servers to one line and an exit code', async () => {
    const cases: [number, string, Record<string, string>, number, string][] = [
      [
        401,
        'Token has expired',
        {},
        77,
        'error: not authenticated: Token has expired (the token was refused; run `runbook login` for a new one)\n',
      ],
      [
        403,
        'RBAC check failed for execute. Missing or invalid claims: roles= (required: sre, api)',
        {},
        77,
        'error: forbidden: RBAC check failed for execute. Missing or invalid claims: roles= (required: sre, api)\n',
      ],
      [404, 'Runbook not found: Nope.md', {}, 66, 'error: Runbook not found: Nope.md\n'],
      [
        429,
        'Rate limit exceeded. Please try again later.',
        { 'Retry-After': '30' },
        75,
        'error: rate limited by the API: Rate limit exceeded. Please try again later. (retry in 30 s)\n',
      ],
    ];
    for (const [status, message, headers, code, stderr] of cases) {
      handler = (_request, response) =>
        sendJson(response, status, { error: message, success: false }, headers);
      expect(await run(['execute', 'Nope', '-e', 'A=1'])).toEqual({ code, stdout: '', stderr });
    }
    const closed = await startScriptedServer(() => undefined);
    await closed.close();
    expect(await run(['list'], { RUNBOOK_API_URL: closed.url })).toEqual({
      code: 69,
      stdout: '',
      stderr: `error: cannot reach the API at ${closed.url}: connection refused\n`,
    });
    const debug = await run(['list', '--debug'], { RUNBOOK_API_URL: closed.url });
    expect(debug.stderr).toContain('CliError: cannot reach the API');
    expect(debug.stderr).toContain('Caused by:');
    expect((await run(['list'], { RUNBOOK_API_URL: 'ftp://x' })).code).toBe(64);
  });

  it('execute streams stdout and stderr live and exits with the return code', async () => {
    handler = (request, response) => {
      if (request.method === 'GET') return sendJson(response, 200, { ...RUN, status: 'failure' });
      startSse(response, { 'X-Run-Id': 'r7' });
      response.write(sseEvent('stdout', 'line 1\n', 1));
      response.write(sseEvent('stderr', 'problem\n', 2));
      response.end(
        sseEvent(
          'done',
          JSON.stringify({
            success: false,
            runbook: 'SimpleRunbook.md',
            return_code: 3,
            stdout: 'line 1\n',
            stderr: 'problem\n',
            errors: [],
            warnings: [],
            run_id: 'r7',
          }),
          3,
        ),
      );
    };
    expect(
      await run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=x', '-l', 'ticket=OPS-1']),
    ).toEqual({
      code: 3,
      stdout: 'line 1\n',
      stderr: 'problem\n',
    });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      env_vars: { TEST_VAR: 'x' },
      labels: { ticket: 'OPS-1' },
    });
    expect(server.requests[0]?.headers['accept']).toBe('text/event-stream');
    const json = await run(['execute', 'SimpleRunbook', '--json']);
    expect(json.code).toBe(3);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toMatchObject({ return_code: 3, run_id: 'r7' });
    for (const flag of [
      ['--no-history'],
      ['--execution-dir', '.'],
      ['--timeout', '5'],
      ['--pass-env', 'X'],
    ]) {
      expect((await run(['execute', 'SimpleRunbook', ...flag])).code).toBe(64);
    }
  });

  it('execute: a killed run asks the run record whether it timed out or was canceled', async () => {
    let status = 'timeout';
    handler = (request, response) => {
      if (request.method === 'GET') return sendJson(response, 200, { ...RUN, status });
      startSse(response, { 'X-Run-Id': 'r8' });
      response.end(
        sseEvent(
          'done',
          JSON.stringify({ success: false, return_code: -9, stdout: '', stderr: '' }),
          1,
        ),
      );
    };
    expect((await run(['execute', 'SimpleRunbook'])).code).toBe(124);
    status = 'canceled';
    expect((await run(['execute', 'SimpleRunbook'])).code).toBe(130);
    status = 'failure';
    expect((await run(['execute', 'SimpleRunbook'])).code).toBe(137);
    expect(requestLine(server.requests.at(-1))).toBe('GET /api/runs/r8');
  });

  it('execute: Ctrl-C cancels the run on the server, waits for its end and exits 130', async () => {
    let stream: ServerResponse | null = null;
    handler = (request, response) => {
      if (request.url.endsWith('/cancel')) {
        sendJson(response, 200, { ...RUN, id: 'r9', status: 'canceled' });
        stream?.write(sseEvent('stderr', 'terminated\n', 3));
        stream?.end(
          sseEvent(
            'done',
            JSON.stringify({
              success: false,
              return_code: -15,
              stdout: 'tick\n',
              stderr: 'terminated\n',
            }),
            4,
          ),
        );
        return;
      }
      startSse(response, { 'X-Run-Id': 'r9' });
      response.write(sseEvent('stdout', 'tick\n', 1));
      stream = response;
    };
    io = newIo({ RUNBOOK_TOKEN: 'tok' });
    const running = runCli(['execute', 'LongRunningRunbook', '-e', 'CYCLES=100'], io);
    while (!io.stdout.text.includes('tick')) await new Promise((r) => setTimeout(r, 20));
    io.interrupt();
    expect(await running).toBe(130);
    expect(io.stderr.text).toContain(
      'Interrupted: canceling run r9… (press Ctrl-C again to stop waiting)',
    );
    expect(io.stderr.text).toContain('terminated\n');
    const cancel = server.requests.find((request) => request.url === '/api/runs/r9/cancel');
    expect(JSON.parse(cancel?.body ?? '')).toEqual({ reason: 'Interrupted from the runbook CLI' });
  });

  it('execute: a second Ctrl-C stops waiting and says how to cancel', async () => {
    handler = (request, response) => {
      if (request.url.endsWith('/cancel'))
        return sendJson(response, 200, { ...RUN, status: 'running' });
      startSse(response, { 'X-Run-Id': 'r10' });
      response.write(sseEvent('stdout', 'tick\n', 1));
    };
    io = newIo({ RUNBOOK_TOKEN: 'tok' });
    const running = runCli(['execute', 'LongRunningRunbook'], io);
    while (!io.stdout.text.includes('tick')) await new Promise((r) => setTimeout(r, 20));
    io.interrupt();
    io.interrupt();
    expect(await running).toBe(130);
    expect(io.stderr.text).toContain(
      'Stopped waiting; run r10 may still be running (runbook cancel r10).',
    );
  });

  it('execute --detach prints the run id', async () => {
    handler = (_request, response) =>
      sendJson(
        response,
        202,
        { run_id: 'r11', status: 'queued', location: '/api/runs/r11' },
        { Location: '/api/runs/r11' },
      );
    const outcome = await run(['execute', 'SimpleRunbook', '--detach', '-e', 'TEST_VAR=1']);
    expect(outcome).toMatchObject({ code: 0, stdout: 'r11\n' });
    expect(outcome.stderr).toContain('runbook logs r11 --follow');
    expect(
      JSON.parse((await run(['execute', 'SimpleRunbook', '--detach', '--json'])).stdout),
    ).toEqual({
      run_id: 'r11',
      status: 'queued',
      location: '/api/runs/r11',
    });
  });

  it('runs lists server runs with filters and pages', async () => {
    handler = (request, response) =>
      request.url.includes('cursor=')
        ? sendJson(response, 200, { data: [{ ...RUN, id: 'r2' }], links: { next: null } })
        : sendJson(response, 200, { data: [RUN], links: { next: '/api/runs?cursor=c2&limit=1' } });
    const table = await run([
      'runs',
      '--status',
      'success',
      '--runbook',
      'SimpleRunbook',
      '--requested-by',
      'alice',
      '-l',
      'env=prod',
      '--limit',
      '1',
    ]);
    expect(table.stdout).toMatch(
      /^ID\s+RUNBOOK\s+STATUS\s+EXIT\s+BY\s+VIA\s+CREATED\s+DURATION\nr1\s+SimpleRunbook\.md\s+success\s+0\s+alice\s+\S+\s+2026-11-22 08:00:00Z\s+2\.5s\n$/,
    );
    expect(table.stderr).toContain('More runs: runbook runs --cursor c2');
    expect(requestLine(server.requests[0])).toBe(
      'GET /api/runs?filter[status]=success&filter[runbook]=SimpleRunbook.md&filter[requested_by]=alice&filter[labels][env]=prod&limit=1',
    );
    const all = JSON.parse((await run(['runs', '--all', '--json'])).stdout) as {
      data: { id: string }[];
      links: unknown;
    };
    expect(all.data.map((item) => item.id)).toEqual(['r1', 'r2']);
    expect(all.links).toEqual({ next: null });
    handler = (_request, response) => sendJson(response, 200, { data: [], links: { next: null } });
    expect((await run(['runs'])).stderr).toBe('No runs match.\n');
  });

  it('logs replays finished runs, shows running ones so far, follows to the end', async () => {
    let status = 'success';
    handler = (request, response) => {
      if (request.url === '/api/runs/r1')
        return sendJson(response, 200, {
          ...RUN,
          status,
          return_code: status === 'failure' ? 4 : 0,
        });
      startSse(response);
      response.write(sseEvent('stdout', 'full out\n', 1));
      response.write(sseEvent('stderr', 'full err\n', 2));
      response.end(
        sseEvent(
          'done',
          JSON.stringify({
            success: status === 'success',
            return_code: status === 'failure' ? 4 : 0,
            stdout: '',
            stderr: '',
          }),
          3,
        ),
      );
    };
    expect(await run(['logs', 'r1'])).toEqual({
      code: 0,
      stdout: 'full out\n',
      stderr: 'full err\n',
    });
    const lines = (await run(['logs', 'r1', '--json'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line['event'], line['id']])).toEqual([
      ['stdout', '1'],
      ['stderr', '2'],
      ['done', '3'],
    ]);
    status = 'failure';
    expect((await run(['logs', 'r1', '--follow', '--after', '0'])).code).toBe(4);
    expect(
      server.requests.filter((request) => request.url.endsWith('/events')).at(-1)?.headers[
        'last-event-id'
      ],
    ).toBe('0');
    status = 'running';
    expect(await run(['logs', 'r1'])).toEqual({
      code: 0,
      stdout: 'tail out\n',
      stderr: 'Run r1 is running; this is its output so far (--follow waits for the end).\n',
    });
  });

  it('logs --follow stops on Ctrl-C with a resume hint', async () => {
    handler = (_request, response) => {
      startSse(response);
      response.write(sseEvent('stdout', 'tick\n', 41));
    };
    io = newIo({ RUNBOOK_TOKEN: 'tok' });
    const running = runCli(['logs', 'r5', '--follow'], io);
    while (!io.stdout.text.includes('tick')) await new Promise((r) => setTimeout(r, 20));
    io.interrupt();
    expect(await running).toBe(130);
    expect(io.stderr.text).toBe(
      'Stopped following run r5; resume with: runbook logs r5 --follow --after 41\n',
    );
  });

  it('cancel asks the server and shows the run', async () => {
    handler = (_request, response) => sendJson(response, 200, { ...RUN, status: 'canceled' });
    expect(await run(['cancel', 'r1', '--reason', 'wrong'])).toEqual({
      code: 0,
      stdout: 'Run r1 of SimpleRunbook.md: canceled\n',
      stderr: '',
    });
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ reason: 'wrong' });
    expect(JSON.parse((await run(['cancel', 'r1', '--json'])).stdout)).toMatchObject({
      id: 'r1',
      status: 'canceled',
    });
  });

  it('login stores the dev-login token (0600) and later commands use it until it expires', async () => {
    const token = jwt({ sub: 'alice', roles: ['sre', 'api'] });
    handler = (request, response) =>
      request.url === '/dev-login'
        ? sendJson(response, 200, {
            access_token: token,
            token_type: 'bearer',
            expires_at: '2999-01-01T00:00:00.000000+00:00',
            subject: 'alice',
            roles: ['sre', 'api'],
          })
        : sendJson(response, 200, { success: true, runbooks: [] });
    const login = await run(['login', '--subject', 'alice', '--roles', 'sre, api'], {});
    expect(login.code).toBe(0);
    expect(login.stdout).toBe(
      `Logged in to ${server.url} as alice (roles: sre, api); token expires 2999-01-01T00:00:00.000000+00:00.\n`,
    );
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      subject: 'alice',
      roles: ['sre', 'api'],
    });
    const file = join(root, 'config', 'runbook', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'config', 'runbook')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      api_url: server.url,
      token,
      expires_at: '2999-01-01T00:00:00.000000+00:00',
      subject: 'alice',
      roles: ['sre', 'api'],
    });
    await run(['list'], {});
    expect(server.requests.at(-1)?.headers['authorization']).toBe(`Bearer ${token}`);
    // The stored login belongs to its server only.
    await run(['list'], { RUNBOOK_API_URL: `${server.url.replace('127.0.0.1', 'localhost')}` });
    expect(server.requests.at(-1)?.headers['authorization']).toBeUndefined();
    const local = JSON.parse(
      (await run(['config', '--json'], { RUNBOOK_API_URL: '' })).stdout,
    ) as Record<string, unknown>;
    expect(local['login']).toEqual({
      api_url: server.url,
      expires_at: '2999-01-01T00:00:00.000000+00:00',
      subject: 'alice',
      roles: ['sre', 'api'],
    });

    writeFileSync(
      file,
      JSON.stringify({ api_url: server.url, token, expires_at: '2000-01-01T00:00:00Z' }),
    );
    expect(await run(['list'], {})).toEqual({
      code: 77,
      stdout: '',
      stderr: `error: your login to ${server.url} expired at 2000-01-01T00:00:00Z; run \`runbook login\` again\n`,
    });
    expect((await run(['logout'], {})).stdout).toContain('Logged out');
  });

  it('login --token checks the token and stores it; a server without dev-login says so', async () => {
    const token = jwt({ sub: 'carol', roles: 'sre', exp: 1_900_000_000 });
    handler = (request, response) =>
      request.url === '/dev-login'
        ? sendJson(response, 404, { error: 'Not found' })
        : sendJson(response, 200, { success: true, runbooks: [] });
    expect((await run(['login', '--token', token], {})).code).toBe(0);
    const stored = JSON.parse(
      readFileSync(join(root, 'config', 'runbook', 'config.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(stored).toEqual({
      api_url: server.url,
      token,
      expires_at: '2030-03-17T17:46:40.000Z',
      subject: 'carol',
      roles: 'sre',
    });
    expect(JSON.parse((await run(['login', '--json', '--token', token], {})).stdout)).toMatchObject(
      { subject: 'carol' },
    );
    expect((await run(['login', '--token', token, '--roles', 'x'], {})).code).toBe(64);
    const disabled = await run(['login'], {});
    expect(disabled.code).toBe(1);
    expect(disabled.stderr).toContain('has no dev-login (the server needs ENABLE_LOGIN=true)');
  });

  it('a corrupt config file is a config error (78)', async () => {
    mkdirSync(join(root, 'config', 'runbook'), { recursive: true });
    writeFileSync(join(root, 'config', 'runbook', 'config.json'), '{oops');
    const outcome = await run(['list'], {});
    expect(outcome.code).toBe(78);
    expect(outcome.stderr).toMatch(/config\.json is not valid JSON/);
  });
});
