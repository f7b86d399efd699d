import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CapturedIo } from '../testing/captured-io';
import { CLI_VERSION, runCli } from './program';

const SAMPLES = resolve(__dirname, '../../../../samples/runbooks');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

describe('runbook (local mode, in process)', () => {
  let root: string;
  let books: string;
  let io: CapturedIo;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'runbook-cli-program-'));
    books = join(root, 'books');
    cpSync(SAMPLES, books, { recursive: true });
    io = newIo();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function newIo(env: Record<string, string> = {}): CapturedIo {
    return new CapturedIo(
      root,
      {
        PATH: process.env['PATH'],
        XDG_CONFIG_HOME: join(root, 'config'),
        RUNBOOKS_DIR: 'books',
        ...env,
      },
      root,
    );
  }

  async function run(args: string[], withIo: CapturedIo = newIo()): Promise<Outcome> {
    io = withIo;
    const code = await runCli(args, io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  }

  function book(name: string): string {
    return readFileSync(join(books, name), 'utf8');
  }

  it('prints the version and help, and rejects bad usage with 64', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${CLI_VERSION}\n`, stderr: '' });
    const help = await run(['validate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('runbook validate SimpleRunbook --env TEST_VAR=hello');
    const none = await run([]);
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('Usage: runbook');
    const unknown = await run(['list', '--bogus']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("error: unknown option '--bogus'");
    expect((await run(['frobnicate'])).code).toBe(64);
    expect((await run(['validate'])).stderr).toContain(
      "error: missing required argument 'runbook'",
    );
  });

  it('validate: diagnostics with file:line:column, exit 0/1, --json, env files', async () => {
    const invalid = await run(['validate', 'SimpleRunbook']);
    expect(invalid).toEqual({
      code: 1,
      stdout:
        'books/SimpleRunbook.md:8:1: error: Required environment variable not set: TEST_VAR\n' +
        '✗ SimpleRunbook.md is invalid: 1 error\n',
      stderr: '',
    });
    expect(await run(['validate', 'SimpleRunbook.md', '-e', 'TEST_VAR=x'])).toMatchObject({
      code: 0,
      stdout: '✓ SimpleRunbook.md is valid\n',
    });
    writeFileSync(join(root, 'vars.env'), 'TEST_VAR=from-file\n');
    expect(
      (await run(['validate', './books/SimpleRunbook.md', '--env-file', 'vars.env'])).code,
    ).toBe(0);
    expect(
      (await run(['validate', 'SimpleRunbook', '-e', 'TEST_VAR'], newIo({ TEST_VAR: 'shell' })))
        .code,
    ).toBe(0);
    const json = await run(['validate', 'Runbook', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      success: false,
      runbook: 'Runbook.md',
      errors: [
        'Required environment variable not set: TEST_VAR',
        'Required input file does not exist: file spec',
      ],
      warnings: [],
      diagnostics: [
        expect.objectContaining({ line: 11, severity: 'error', code: 'ENV_VAR_NOT_SET' }),
        expect.objectContaining({ line: 14, severity: 'error', code: 'INPUT_NOT_FOUND' }),
      ],
    });
    expect(await run(['validate', 'Missing'])).toEqual({
      code: 66,
      stdout: '',
      stderr: 'error: Runbook not found: Missing.md (looked in books)\n',
    });
    expect(await run(['validate', 'SimpleRunbook', '-e', 'BAD-NAME=1'])).toMatchObject({
      code: 64,
    });
    expect(await run(['validate', 'SimpleRunbook', '--env-file', 'nope.env'])).toMatchObject({
      code: 66,
      stderr: 'error: env file not found: nope.env\n',
    });
  });

  it('execute: streams output, appends History, exits with the script code', async () => {
    const ok = await run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=hello']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Running SimpleRunbook\nTest variable value: hello\n');
    expect(ok.stdout).toMatch(/Working directory: \/.*runbook-exec-/);
    expect(book('SimpleRunbook.md')).toMatch(
      /\n### \d{4}-\d\d-\d\dT[\d:.]+Z \| Exit Code: 0\n\n\*\*Stdout:\*\*\n```\nRunning SimpleRunbook\n/,
    );

    const before = book('SimpleRunbook.md');
    expect((await run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=x', '--no-history'])).code).toBe(
      0,
    );
    expect(book('SimpleRunbook.md')).toBe(before);

    const invalid = await run(['execute', 'SimpleRunbook']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Validation failed. Cannot execute runbook.');
    expect(book('SimpleRunbook.md')).toBe(before);

    const failing = await run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=abc']);
    expect(failing.code).toBe(2);
    expect(failing.stderr).toContain(
      "ERROR: CYCLES must be a positive whole number no greater than 10000, got 'abc'",
    );
    expect(book('LongRunningRunbook.md')).toContain('| Exit Code: 2\n');
  });

  it('execute --json prints the result in the API shape; local-only and remote-only flags are checked', async () => {
    const json = await run([
      'execute',
      'SimpleRunbook',
      '-e',
      'TEST_VAR=j',
      '--json',
      '--no-history',
    ]);
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual([
      'success',
      'runbook',
      'return_code',
      'stdout',
      'stderr',
      'errors',
      'warnings',
      'run_id',
    ]);
    expect(result).toMatchObject({
      success: true,
      runbook: 'SimpleRunbook.md',
      return_code: 0,
      errors: [],
    });
    expect(result['stdout']).toContain('Test variable value: j');

    const invalid = await run(['execute', 'SimpleRunbook', '--json']);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({
      success: false,
      return_code: 1,
      errors: ['Required environment variable not set: TEST_VAR'],
    });

    expect((await run(['execute', 'SimpleRunbook', '--detach'])).stderr).toContain(
      '--detach needs a server',
    );
    expect((await run(['execute', 'SimpleRunbook', '--execution-dir', 'nope'])).code).toBe(64);
    expect((await run(['execute', 'SimpleRunbook', '--timeout', 'soon'])).code).toBe(64);
    const labelled = await run([
      'execute',
      'SimpleRunbook',
      '-e',
      'TEST_VAR=x',
      '--label',
      'a=b',
      '--no-history',
    ]);
    expect(labelled.code).toBe(0);
    expect(labelled.stderr).toContain('warning: --label is only stored by a server');
  });

  it('execute: --pass-env gives the script more of the shell, nothing else leaks', async () => {
    writeFileSync(
      join(books, 'Probe.md'),
      '# Probe\n\n# Environment Requirements\n```yaml\n```\n\n# File System Requirements\n```yaml\nInput: []\n```\n\n# Script\n```sh\nprint -r -- "secret=${SECRET_TOKEN-unset} extra=${EXTRA-unset} stack=$RUNBOOK_RECURSION_STACK"\n```\n\n# History\n',
    );
    const env = { SECRET_TOKEN: 's3cr3t', EXTRA: 'yes' };
    const plain = await run(['execute', 'Probe', '--no-history'], newIo(env));
    expect(plain.stdout).toBe('secret=unset extra=unset stack=["Probe.md"]\n');
    const passed = await run(
      ['execute', 'Probe', '--no-history', '--pass-env', 'EXTRA'],
      newIo(env),
    );
    expect(passed.stdout).toBe('secret=unset extra=yes stack=["Probe.md"]\n');
  });

  it('execute: a timeout exits 124 and is recorded', async () => {
    writeFileSync(
      join(books, 'Slow.md'),
      '# Slow\n\n# Environment Requirements\n```yaml\n```\n\n# File System Requirements\n```yaml\nInput: []\n```\n\n# Script\n```sh\nprint started\nsleep 30\n```\n\n# History\n',
    );
    const outcome = await run(['execute', 'Slow', '--timeout', '1']);
    expect(outcome.code).toBe(124);
    expect(outcome.stderr).toContain(
      'Script execution timed out after 1 seconds. The script was terminated.',
    );
    expect(book('Slow.md')).toContain('| Exit Code: -9\n');
  });

  it('execute: Ctrl-C cancels the whole process tree, records History and exits 130', async () => {
    const executionDir = join(root, 'exec');
    mkdirSync(executionDir);
    io = newIo();
    const running = runCli(
      ['execute', 'LongRunningRunbook', '-e', 'CYCLES=30', '--execution-dir', executionDir],
      io,
    );
    while (!io.stdout.text.includes('Cycle 1 of 30')) await new Promise((r) => setTimeout(r, 50));
    io.interrupt();
    io.interrupt(); // a second Ctrl-C changes nothing
    expect(await running).toBe(130);
    expect(io.listeners).toBe(0);
    expect(io.stderr.text).toContain('Interrupted: stopping the run…');
    const history = book('LongRunningRunbook.md');
    expect(history).toContain('| Exit Code: -15\n');
    expect(history).toContain('Run canceled: interrupted from the terminal.');
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(processes).not.toContain(executionDir);
    expect(readdirSync(executionDir)).toEqual([]);
  });

  it('list, show and env', async () => {
    const list = await run(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^FILE\s+NAME\s+LAST RUN\s+DESCRIPTION$/);
    expect(list.stdout).toContain('SimpleRunbook.md');
    const json = JSON.parse((await run(['list', '--json'])).stdout) as {
      success: boolean;
      runbooks: Record<string, unknown>[];
    };
    expect(json.success).toBe(true);
    expect(json.runbooks.map((item) => item['filename'])).toContain('LongRunningRunbook.md');
    for (const key of ['filename', 'name', 'path'])
      expect(typeof json.runbooks[0]?.[key]).toBe('string');
    mkdirSync(join(root, 'empty'));
    expect(await run(['-d', 'empty', 'list'])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No runbooks in empty.\n',
    });
    expect((await run(['-d', 'nowhere', 'list'])).code).toBe(66);

    await run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=x']);
    const show = await run(['show', 'SimpleRunbook']);
    expect(show.stdout).toContain('SimpleRunbook\n═════════════\n');
    expect(show.stdout).toContain('    print -r -- "Running SimpleRunbook"');
    expect(show.stdout).toMatch(
      /History: 1 run recorded\nFINISHED\s+STATUS\s+EXIT\n\S+ \S+\s+success\s+0\n/,
    );
    expect(show.stdout).toContain('Requires roles: sre, api.');
    expect(show.stdout).not.toContain('**Stdout:**');
    expect((await run(['show', 'SimpleRunbook', '--history'])).stdout).toContain(
      'Test variable value: x',
    );
    expect((await run(['show', 'SimpleRunbook', '--raw'])).stdout).toBe(book('SimpleRunbook.md'));
    expect(JSON.parse((await run(['show', 'SimpleRunbook', '--json'])).stdout)).toEqual({
      success: true,
      filename: 'SimpleRunbook.md',
      name: 'SimpleRunbook',
      content: book('SimpleRunbook.md'),
    });

    const env = await run(['env', 'SimpleRunbook']);
    const testVar = {
      name: 'TEST_VAR',
      description: 'Any text; the script prints it back',
      type: 'string',
      required: true,
      secret: false,
    };
    expect(env.stdout).toMatch(
      /^NAME\s+STATUS\s+DESCRIPTION\nTEST_VAR\s+missing\s+Any text; the script prints it back\n✗ missing: TEST_VAR/,
    );
    expect(
      JSON.parse((await run(['env', 'SimpleRunbook', '-e', 'TEST_VAR=1', '--json'])).stdout),
    ).toEqual({
      success: true,
      filename: 'SimpleRunbook.md',
      required: [expect.objectContaining(testVar)],
      available: [expect.objectContaining(testVar)],
      missing: [],
    });
    expect((await run(['env', 'SimpleRunbook', '-e', 'TEST_VAR=1'])).stdout).toContain(
      '✓ all 1 required variables are available',
    );
    writeFileSync(
      join(books, 'NoVars.md'),
      '# NoVars\n\n# Environment Requirements\n```yaml\n```\n',
    );
    expect((await run(['env', 'NoVars'])).stdout).toBe(
      'NoVars.md requires no environment variables.\n',
    );
  });

  it('runs and logs read History entries', async () => {
    expect(await run(['runs'])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No runs recorded in the History sections.\n',
    });
    await run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=first']);
    await run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=x']);
    const runs = await run(['runs']);
    expect(runs.stdout).toMatch(
      /^ID\s+STATUS\s+EXIT\s+FINISHED\nLongRunningRunbook\.md#1\s+failure\s+2\s+\S+ \S+\nSimpleRunbook\.md#1\s+success\s+0\s+/,
    );
    expect(
      JSON.parse((await run(['runs', '--runbook', 'SimpleRunbook', '--json'])).stdout),
    ).toMatchObject({
      data: [
        {
          id: 'SimpleRunbook.md#1',
          runbook: 'SimpleRunbook.md',
          status: 'success',
          return_code: 0,
        },
      ],
      links: { next: null },
    });
    expect(
      (
        JSON.parse((await run(['runs', '--status', 'failure', '--json'])).stdout) as {
          data: unknown[];
        }
      ).data,
    ).toHaveLength(1);
    const limited = await run(['runs', '--limit', '1']);
    expect(limited.stderr).toContain('1 older runs not shown');
    expect((await run(['runs', '--limit', '0'])).code).toBe(64);
    expect((await run(['runs', '--requested-by', 'bob'])).code).toBe(64);
    expect((await run(['runs', '--runbook', 'Nope'])).code).toBe(66);

    const logs = await run(['logs', 'SimpleRunbook.md#1']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('Test variable value: first');
    const failed = await run(['logs', 'LongRunningRunbook.md#1']);
    expect(failed.stderr).toContain('CYCLES must be a positive whole number');
    expect(JSON.parse((await run(['logs', 'SimpleRunbook.md#1', '--json'])).stdout)).toMatchObject({
      id: 'SimpleRunbook.md#1',
    });
    expect((await run(['logs', 'SimpleRunbook.md#9'])).code).toBe(66);
    expect((await run(['logs', 'some-uuid'])).code).toBe(64);
    expect((await run(['logs', 'SimpleRunbook.md#1', '--follow'])).code).toBe(64);
  });

  it('init writes a runbook that validates and runs once its variables are set', async () => {
    const created = await run([
      'init',
      'RotateLogs',
      '--var',
      'SERVICE=Service: whose logs',
      '--roles',
      'sre,ops',
    ]);
    expect(created).toMatchObject({ code: 0, stdout: 'Created books/RotateLogs.md\n' });
    expect(created.stderr).toContain('runbook validate books/RotateLogs.md --env SERVICE=…');
    expect((await run(['validate', 'RotateLogs'])).code).toBe(1);
    expect((await run(['validate', 'RotateLogs', '-e', 'SERVICE=web'])).stdout).toBe(
      '✓ RotateLogs.md is valid\n',
    );
    const executed = await run(['execute', 'RotateLogs', '-e', 'SERVICE=web']);
    expect(executed).toMatchObject({
      code: 0,
      stdout: 'RotateLogs: starting\nSERVICE=web\nRotateLogs: done\n',
    });
    expect(await run(['init', 'RotateLogs'])).toMatchObject({
      code: 64,
      stderr: 'error: books/RotateLogs.md already exists (use --force to overwrite)\n',
    });
    expect((await run(['init', 'RotateLogs', '--force', '--no-claims'])).code).toBe(0);
    expect(book('RotateLogs.md')).not.toContain('# Required Claims');
    expect((await run(['-d', 'new/folder', 'init', 'Fresh'])).code).toBe(0);
    expect(existsSync(join(root, 'new', 'folder', 'Fresh.md'))).toBe(true);
    expect((await run(['init', '../escape'])).code).toBe(64);
  });

  it('config shows the local settings; remote-only commands say they need a server', async () => {
    const config = await run(['config', '--json']);
    expect(JSON.parse(config.stdout)).toEqual({
      mode: 'local',
      api_url: null,
      runbooks_dir: 'books',
      config_file: join(root, 'config', 'runbook', 'config.json'),
      token_source: null,
      login: null,
    });
    expect((await run(['config'])).stdout).toMatch(/^SETTING\s+VALUE\nmode\s+local/);
    for (const args of [['cancel', 'x'], ['login'], ['logs', 'x', '--follow']]) {
      const outcome = await run(args);
      expect(outcome.code).toBe(64);
    }
    expect((await run(['login'])).stderr).toBe(
      'error: login needs a server: pass --api-url <url> or set RUNBOOK_API_URL\n',
    );
    expect(await run(['logout'])).toEqual({ code: 0, stdout: 'Not logged in.\n', stderr: '' });
  });
});
