import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProcess, freePort } from './support/api-process';
import { runCli } from './support/cli-process';
import { CLI_MAIN } from './support/paths';
import { killMarked, processesWithMarker } from './support/processes';
import { Sandbox } from './support/sandbox';
import { waitUntil } from './support/wait-until';

interface RunJson {
  id: string;
  runbook: string;
  status: string;
  return_code: number | null;
  requested_by: string;
  labels: Record<string, string>;
  cancel_reason?: string | null;
}

describe('runbook (built binary, remote mode against the built API)', () => {
  let api: ApiProcess;
  let box: Sandbox;
  /** Environment of a CLI logged in as alice (sre, api, admin). */
  let remote: Record<string, string>;

  beforeAll(async () => {
    api = await ApiProcess.start();
    box = new Sandbox();
    remote = { RUNBOOK_API_URL: api.url };
    const login = await box.run(
      ['login', '--subject', 'alice', '--roles', 'sre,api,admin'],
      remote,
    );
    expect(login.code).toBe(0);
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  async function runRecord(id: string): Promise<RunJson> {
    const shown = await box.run(['runs', '--json', '--limit', '100'], remote);
    const run = (JSON.parse(shown.stdout) as { data: RunJson[] }).data.find(
      (item) => item.id === id,
    );
    if (!run) throw new Error(`run ${id} not listed`);
    return run;
  }

  it('login stored the dev-login token for this server with mode 0600 in a 0700 folder', () => {
    const file = join(box.configHome, 'runbook', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(box.configHome, 'runbook')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({
      api_url: api.url,
      subject: 'alice',
      roles: ['sre', 'api', 'admin'],
    });
    expect(typeof stored['token']).toBe('string');
    expect(Date.parse(String(stored['expires_at']))).toBeGreaterThan(Date.now());
  });

  it('list, show, env and config (text and --json)', async () => {
    const list = await box.run(['list'], remote);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^FILE\s+NAME\s+CAN RUN\s+LAST RUN\s+DESCRIPTION\n/);
    expect(list.stdout).toMatch(/\nSimpleRunbook\.md\s+SimpleRunbook\s+yes\s+/);
    const listJson = JSON.parse((await box.run(['list', '--json'], remote)).stdout) as {
      success: boolean;
      runbooks: { filename: string; name: string; path: string }[];
    };
    expect(listJson.success).toBe(true);
    expect(listJson.runbooks.map((item) => item.filename)).toContain('LongRunningRunbook.md');
    expect(listJson.runbooks.find((item) => item.filename === 'Runbook.md')).toMatchObject({
      name: 'Runbook',
      path: 'Runbook.md',
    });

    const show = await box.run(['show', 'SimpleRunbook'], remote);
    expect(show.stdout).toContain('SimpleRunbook\n═════════════\n');
    expect(show.stdout).toContain('Requires roles: sre, api: alice may run it.');
    const showJson = JSON.parse(
      (await box.run(['show', 'SimpleRunbook.md', '--json'], remote)).stdout,
    ) as Record<string, unknown>;
    expect(showJson).toMatchObject({
      success: true,
      filename: 'SimpleRunbook.md',
      name: 'SimpleRunbook',
    });
    expect(showJson['content']).toBe(readFileSync(join(api.runbooks, 'SimpleRunbook.md'), 'utf8'));

    const env = await box.run(['env', 'SimpleRunbook'], remote);
    expect(env.stdout).toMatch(/TEST_VAR\s+missing/);
    const testVar = {
      name: 'TEST_VAR',
      description: 'Any text; the script prints it back',
      type: 'string',
      required: true,
      secret: false,
      from: null,
    };
    expect(JSON.parse((await box.run(['env', 'SimpleRunbook', '--json'], remote)).stdout)).toEqual({
      success: true,
      filename: 'SimpleRunbook.md',
      required: [expect.objectContaining(testVar)],
      available: [],
      missing: [expect.objectContaining(testVar)],
    });

    const config = await box.run(['config'], remote);
    expect(config.stdout).toMatch(/^NAME\s+VALUE\s+FROM\n/);
    expect(config.stdout).toContain(`Signed in to ${api.url} as alice (roles: sre, api, admin)`);
    const configJson = JSON.parse((await box.run(['config', '--json'], remote)).stdout) as {
      config_items: { name: string }[];
      token: Record<string, unknown>;
    };
    expect(configJson.config_items.map((item) => item.name)).toContain('RUNBOOKS_DIR');
    expect(configJson.token).toMatchObject({ user_id: 'alice', roles: ['sre', 'api', 'admin'] });
  });

  it('validate: server verdict with positions, exit 0/1, --json', async () => {
    const invalid = await box.run(['validate', 'SimpleRunbook'], remote);
    expect(invalid).toMatchObject({
      code: 1,
      stdout:
        'SimpleRunbook.md:8:1: error: Required environment variable not set: TEST_VAR\n✗ SimpleRunbook.md is invalid: 1 error\n',
    });
    expect((await box.run(['validate', 'SimpleRunbook', '-e', 'TEST_VAR=x'], remote)).code).toBe(0);
    const json = JSON.parse(
      (await box.run(['validate', 'Runbook', '-e', 'TEST_VAR=x', '--json'], remote)).stdout,
    ) as Record<string, unknown>;
    expect(json).toMatchObject({
      success: false,
      runbook: 'Runbook.md',
      errors: ['Required input file does not exist: file spec'],
      diagnostics: expect.arrayContaining([
        expect.objectContaining({ line: 14, code: 'INPUT_NOT_FOUND' }),
      ]) as unknown,
    });
  });

  it('execute: live output, the script exit code, 1 on validation failure, --json with run_id', async () => {
    const ok = await box.run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=remote'], remote);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Running SimpleRunbook\nTest variable value: remote\n');
    expect(ok.stdout).toContain('SimpleRunbook completed successfully\n');
    expect(ok.stderr).toBe(''); // no spinner in a pipe
    expect(readFileSync(join(api.runbooks, 'SimpleRunbook.md'), 'utf8')).toContain(
      'Test variable value: remote',
    );

    const failing = await box.run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=nope'], remote);
    expect(failing).toMatchObject({ code: 2, stdout: '' });
    expect(failing.stderr).toContain(
      "ERROR: CYCLES must be a positive whole number no greater than 10000, got 'nope'",
    );

    const invalid = await box.run(['execute', 'SimpleRunbook'], remote);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Required environment variable not set: TEST_VAR');

    const json = await box.run(
      ['execute', 'SimpleRunbook', '-e', 'TEST_VAR=j', '--json', '-l', 'suite=cli-e2e'],
      remote,
    );
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      success: true,
      runbook: 'SimpleRunbook.md',
      return_code: 0,
      errors: [],
    });
    expect(typeof result['run_id']).toBe('string');
    expect(await runRecord(String(result['run_id']))).toMatchObject({
      status: 'success',
      requested_by: 'alice',
      labels: { suite: 'cli-e2e' },
    });
  });

  it('execute --detach, logs --follow (exit code of the run), logs --json, runs filters', async () => {
    const detached = await box.run(
      ['execute', 'LongRunningRunbook', '-e', 'CYCLES=2', '--detach', '-l', 'ticket=OPS-7'],
      remote,
    );
    expect(detached.code).toBe(0);
    const id = detached.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(detached.stderr).toContain(`runbook logs ${id} --follow`);

    const followed = await box.run(['logs', id, '--follow'], remote);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('Starting LongRunningRunbook: 2 cycle(s)');
    expect(followed.stdout).toContain('LongRunningRunbook completed 2 cycle(s)\n');

    const replay = await box.run(['logs', id], remote);
    expect(replay).toMatchObject({ code: 0, stdout: followed.stdout });
    const lines = (await box.run(['logs', id, '--json'], remote)).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; id: string | null; data: unknown });
    expect(lines.at(-1)).toMatchObject({ event: 'done', data: { return_code: 0, success: true } });
    expect(
      lines.slice(0, -1).every((line) => line.event === 'stdout' || line.event === 'stderr'),
    ).toBe(true);

    const failing = await box.run(
      ['execute', 'LongRunningRunbook', '-e', 'CYCLES=x', '--detach', '--json'],
      remote,
    );
    const accepted = JSON.parse(failing.stdout) as {
      run_id: string;
      status: string;
      location: string;
    };
    expect(accepted.location).toBe(`/api/runs/${accepted.run_id}`);
    expect((await box.run(['logs', accepted.run_id, '--follow'], remote)).code).toBe(2);

    const byLabel = JSON.parse(
      (await box.run(['runs', '--label', 'ticket=OPS-7', '--json'], remote)).stdout,
    ) as { data: RunJson[]; links: { next: string | null } };
    expect(byLabel.data.map((run) => run.id)).toEqual([id]);
    expect(byLabel.data[0]).toMatchObject({
      runbook: 'LongRunningRunbook.md',
      status: 'success',
      return_code: 0,
      labels: { ticket: 'OPS-7' },
    });
    const failures = JSON.parse(
      (
        await box.run(
          ['runs', '--status', 'failure', '--runbook', 'LongRunningRunbook', '--json'],
          remote,
        )
      ).stdout,
    ) as { data: RunJson[] };
    expect(failures.data.length).toBeGreaterThan(0);
    expect(
      failures.data.every(
        (run) => run.status === 'failure' && run.runbook === 'LongRunningRunbook.md',
      ),
    ).toBe(true);
    const table = await box.run(['runs', '--limit', '1'], remote);
    expect(table.stdout).toMatch(
      /^ID\s+RUNBOOK\s+STATUS\s+EXIT\s+BY\s+VIA\s+CREATED\s+DURATION\n\S{36}\s+\S+\.md\s+\w+\s+-?\d+\s+alice\s+api\s+/,
    );
    expect(table.stderr).toContain('More runs: runbook runs --cursor ');
  });

  it('logs --after resumes after an event id of the real stream', async () => {
    const run = await box.run(
      ['execute', 'LongRunningRunbook', '-e', 'CYCLES=2', '--json'],
      remote,
    );
    const id = (JSON.parse(run.stdout) as { run_id: string }).run_id;
    const events = (await box.run(['logs', id, '--json'], remote)).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; id: string | null; data: unknown });
    const output = events.filter((event) => event.event !== 'done');
    expect(output.length).toBeGreaterThan(1);
    const first = output[0];
    const resumed = await box.run(['logs', id, '--follow', '--after', String(first?.id)], remote);
    expect(resumed.code).toBe(0);
    const rest = output.slice(1).filter((event) => event.event === 'stdout');
    expect(resumed.stdout).toBe(rest.map((event) => String(event.data)).join(''));
    expect(resumed.stdout).not.toContain(String(first?.data));
  });

  it('shows a progress line while waiting for the run only on a terminal', async () => {
    // `script` gives the CLI a pseudo-terminal; in pipes (all other tests) stderr stays clean.
    const command = `node ${CLI_MAIN} execute SimpleRunbook -e TEST_VAR=tty`;
    const tty = await runCli(['-qefc', command, '/dev/null'], {
      cwd: box.root,
      env: box.env({ ...remote, TERM: 'xterm', NO_COLOR: '1' }),
      executable: 'script',
    });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('⠋ Starting SimpleRunbook.md…');
    expect(tty.stdout).toContain('\r\u001b[2K');
    expect(tty.stdout).toContain('Test variable value: tty');
  });

  it('cancel stops a detached run on the server', async () => {
    const marker = join(api.root, 'execution', 'runbook-exec-');
    try {
      const id = (
        await box.run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=60', '--detach'], remote)
      ).stdout.trim();
      await waitUntil(async () => (await runRecord(id)).status === 'running', 'the run to start');
      await waitUntil(() => processesWithMarker(marker).length > 0, 'the script to run');
      const canceled = await box.run(['cancel', id, '--reason', 'wrong target', '--json'], remote);
      expect(canceled.code).toBe(0);
      expect(JSON.parse(canceled.stdout)).toMatchObject({ id });
      await waitUntil(
        async () => (await runRecord(id)).status === 'canceled',
        'the run to be canceled',
      );
      expect(await runRecord(id)).toMatchObject({ cancel_reason: 'wrong target' });
      await waitUntil(
        () => processesWithMarker(marker).length === 0,
        'the script processes to be gone',
        15_000,
      );
      expect((await box.run(['logs', id, '--follow'], remote)).code).toBe(130);
    } finally {
      killMarked(marker);
    }
  });

  it('Ctrl-C during execute cancels the run on the server: status canceled, no script left, exit 130', async () => {
    // Only declared variables reach a script: its processes are found by their run dir instead.
    const marker = join(api.root, 'execution', 'runbook-exec-');
    try {
      const cli = box.start(['execute', 'LongRunningRunbook', '-e', 'CYCLES=60', '--json'], remote);
      await waitUntil(
        () => processesWithMarker(marker).some((pid) => pid !== cli.child.pid),
        'the script to start on the server',
      );
      cli.signal('SIGINT');
      const result = await cli.done;
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(/Interrupted: canceling run [0-9a-f-]{36}…/);
      const done = JSON.parse(result.stdout) as { run_id: string; return_code: number };
      expect(done.return_code).toBeLessThan(0);
      expect(await runRecord(done.run_id)).toMatchObject({ status: 'canceled' });
      await waitUntil(
        () => processesWithMarker(marker).length === 0,
        'the script processes to be gone',
        15_000,
      );
      expect(readFileSync(join(api.runbooks, 'LongRunningRunbook.md'), 'utf8')).toMatch(
        /\| Exit Code: -\d+\n/,
      );
    } finally {
      killMarked(marker);
    }
  });

  it('401, 403, 404 and an unreachable server become one line and an exit code', async () => {
    const unauthenticated = await box.run(['list'], { ...remote, RUNBOOK_TOKEN: 'not-a-jwt' });
    expect(unauthenticated.code).toBe(77);
    expect(unauthenticated.stderr).toMatch(
      /^error: not authenticated: Invalid token: .*run `runbook login` for a new one\)\n$/,
    );

    const viewer = new Sandbox();
    try {
      expect(
        (await viewer.run(['login', '--subject', 'vic', '--roles', 'viewer'], remote)).code,
      ).toBe(0);
      const forbidden = await viewer.run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=x'], remote);
      expect(forbidden).toMatchObject({
        code: 77,
        stdout: '',
        stderr:
          'error: forbidden: RBAC check failed for execute. Missing or invalid claims: roles=viewer (required: sre, api)\n',
      });
      expect(
        (await viewer.run(['validate', 'SimpleRunbook', '-e', 'TEST_VAR=x'], remote)).code,
      ).toBe(77);
    } finally {
      viewer.remove();
    }

    expect(await box.run(['show', 'NoSuchRunbook'], remote)).toMatchObject({
      code: 66,
      stdout: '',
      stderr: 'error: Runbook not found: NoSuchRunbook.md\n',
    });
    expect((await box.run(['logs', randomUUID()], remote)).code).toBe(66);

    const port = await freePort();
    expect(await box.run(['list'], { RUNBOOK_API_URL: `http://127.0.0.1:${port}` })).toMatchObject({
      code: 69,
      stderr: `error: cannot reach the API at http://127.0.0.1:${port}: connection refused\n`,
    });
  });

  it('an expired stored login is reported before any request', async () => {
    const other = new Sandbox();
    try {
      expect((await other.run(['login', '--subject', 'bob', '--roles', 'sre'], remote)).code).toBe(
        0,
      );
      const file = join(other.configHome, 'runbook', 'config.json');
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...stored, expires_at: '2001-01-01T00:00:00+00:00' }));
      expect(await other.run(['list'], remote)).toMatchObject({
        code: 77,
        stderr: `error: your login to ${api.url} expired at 2001-01-01T00:00:00+00:00; run \`runbook login\` again\n`,
      });
      expect((await other.run(['logout'], remote)).stdout).toMatch(/^Logged out/);
    } finally {
      other.remove();
    }
  });
});

describe('runbook against an API with limits (timeout and rate limit)', () => {
  let api: ApiProcess;
  let box: Sandbox;
  beforeAll(async () => {
    api = await ApiProcess.start({
      SCRIPT_TIMEOUT_SECONDS: '1',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '8',
      RATE_LIMIT_EXECUTE_PER_MINUTE: '8',
    });
    box = new Sandbox();
  });
  afterAll(async () => {
    box?.remove();
    await api?.stop();
  });

  it('a server timeout exits 124, then 429 is a clear rate-limit error (75)', async () => {
    const env = { RUNBOOK_API_URL: api.url };
    expect((await box.run(['login', '--roles', 'sre,api'], env)).code).toBe(0);
    const timedOut = await box.run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=30'], env);
    expect(timedOut.code).toBe(124);
    expect(timedOut.stderr).toContain(
      'Script execution timed out after 1 seconds. The script was terminated.',
    );

    let limited = null;
    for (let attempt = 0; attempt < 20 && limited === null; attempt++) {
      const result = await box.run(['list'], env);
      if (result.code !== 0) limited = result;
    }
    expect(limited).toMatchObject({ code: 75, stdout: '' });
    expect(limited?.stderr).toMatch(
      /^error: rate limited by the API: Rate limit exceeded\. Please try again later\.( \(retry in \d+ s\))?\n$/,
    );
  });
});
