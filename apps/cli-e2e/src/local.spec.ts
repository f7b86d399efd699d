import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_MAIN, REPO_ROOT } from './support/paths';
import { killMarked, processesWithMarker } from './support/processes';
import { Sandbox } from './support/sandbox';
import { waitUntil } from './support/wait-until';

const COMMANDS = [
  'validate',
  'lint',
  'execute',
  'list',
  'show',
  'env',
  'runs',
  'logs',
  'cancel',
  'config',
  'login',
  'logout',
  'init',
];

describe('runbook (built binary, local mode)', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = new Sandbox();
  });
  afterEach(() => box.remove());

  it('is an executable node script with a bin package.json next to it', async () => {
    expect(readFileSync(CLI_MAIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(CLI_MAIN).mode & 0o111).toBe(0o111);
    const pkg = JSON.parse(readFileSync(join(CLI_MAIN, '../package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg['bin']).toEqual({ runbook: 'main.js' });
    expect(Object.keys(pkg['dependencies'] as object).sort()).toEqual([
      '@modelcontextprotocol/client',
      '@modelcontextprotocol/server',
      'commander',
      'croner',
      'js-yaml',
      'markdown-it',
    ]);
    const rootPkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(await box.run(['--version'])).toMatchObject({ code: 0, stdout: `${rootPkg.version}\n` });
  });

  it('has --help with examples on every command', async () => {
    const main = await box.run(['--help']);
    expect(main.code).toBe(0);
    for (const command of COMMANDS) expect(main.stdout).toContain(`  ${command}`);
    for (const command of COMMANDS) {
      const help = await box.run([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: runbook ${command}`);
      expect(help.stdout).toContain('Examples:');
    }
  });

  it('fails clearly on bad usage: one line, no stack trace, exit 64', async () => {
    const bad = await box.run(['list', '--nope']);
    expect(bad.code).toBe(64);
    expect(bad.stderr.split('\n')[0]).toBe("error: unknown option '--nope'");
    const missing = await box.run(['validate', 'NoSuchRunbook']);
    expect(missing).toMatchObject({ code: 66, stdout: '' });
    expect(missing.stderr).toMatch(
      /^error: Runbook not found: NoSuchRunbook\.md \(looked in .*runbooks\)\n$/,
    );
    expect(missing.stderr).not.toContain('    at ');
    const needsServer = await box.run(['cancel', 'abc']);
    expect(needsServer).toEqual({
      code: 64,
      signal: null,
      stdout: '',
      stderr: 'error: cancel needs a server: pass --api-url <url> or set RUNBOOK_API_URL\n',
    });
    expect((await box.run(['login'])).code).toBe(64);
    expect((await box.run(['execute', 'SimpleRunbook', '--detach'])).code).toBe(64);
  });

  it('validate: file:line:column diagnostics, exit 0/1, --json', async () => {
    const invalid = await box.run(['validate', 'SimpleRunbook']);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe(
      'runbooks/SimpleRunbook.md:8:1: error: Required environment variable not set: TEST_VAR\n✗ SimpleRunbook.md is invalid: 1 error\n',
    );
    expect(await box.run(['validate', 'SimpleRunbook', '--env', 'TEST_VAR=x'])).toMatchObject({
      code: 0,
      stdout: '✓ SimpleRunbook.md is valid\n',
    });
    writeFileSync(join(box.root, 'ci.env'), '# variables\nexport TEST_VAR="from file"\n');
    expect(
      (await box.run(['validate', './runbooks/SimpleRunbook.md', '--env-file', 'ci.env'])).code,
    ).toBe(0);
    const json = await box.run(['validate', 'Runbook', '--json']);
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
        {
          file: 'runbooks/Runbook.md',
          line: 11,
          column: 1,
          severity: 'error',
          code: 'ENV_VAR_NOT_SET',
          message: 'Required environment variable not set: TEST_VAR',
        },
        {
          file: 'runbooks/Runbook.md',
          line: 14,
          column: 1,
          severity: 'error',
          code: 'INPUT_NOT_FOUND',
          message: 'Required input file does not exist: file spec',
        },
      ],
    });
  });

  it('execute: live output, History entry, the script exit code, 1 on validation failure', async () => {
    const ok = await box.run([
      'execute',
      'SimpleRunbook',
      '-e',
      'TEST_VAR=hello',
      '--execution-dir',
      box.execution,
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Running SimpleRunbook\nTest variable value: hello\n');
    expect(ok.stdout).toContain(`Working directory: ${box.execution}/runbook-exec-`);
    expect(ok.stdout).toContain('SimpleRunbook completed successfully\n');
    expect(readdirSync(box.execution)).toEqual([]);
    expect(box.read('SimpleRunbook.md')).toMatch(
      /# History\n\n### \S+Z \| Exit Code: 0\n\n\*\*Stdout:\*\*\n```\nRunning SimpleRunbook\n/,
    );

    const failing = await box.run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=many']);
    expect(failing).toMatchObject({ code: 2, stdout: '' });
    expect(failing.stderr).toBe(
      "ERROR: CYCLES must be a positive whole number no greater than 10000, got 'many'\n",
    );
    expect(box.read('LongRunningRunbook.md')).toContain('| Exit Code: 2\n');

    const before = box.read('SimpleRunbook.md');
    const invalid = await box.run(['execute', 'SimpleRunbook']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Validation failed. Cannot execute runbook.');
    expect(
      (await box.run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=quiet', '--no-history'])).code,
    ).toBe(0);
    expect(box.read('SimpleRunbook.md')).toBe(before);

    const json = await box.run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=j', '--json']);
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
    expect(result).toMatchObject({ success: true, runbook: 'SimpleRunbook.md', return_code: 0 });
  });

  it('execute: a timeout exits 124 and is recorded', async () => {
    const outcome = await box.run([
      'execute',
      'LongRunningRunbook',
      '-e',
      'CYCLES=30',
      '--timeout',
      '1',
    ]);
    expect(outcome.code).toBe(124);
    expect(outcome.stderr).toContain(
      'Script execution timed out after 1 seconds. The script was terminated.',
    );
    expect(box.read('LongRunningRunbook.md')).toContain('| Exit Code: -9\n');
  });

  it('execute: Ctrl-C cancels, records History, leaves no script process, exits 130', async () => {
    const marker = `cli-e2e-${randomUUID()}`;
    try {
      // Only declared variables of --env reach the script; --pass-env hands it the marker.
      const cli = box.start(
        ['execute', 'LongRunningRunbook', '-e', 'CYCLES=60', '--pass-env', 'E2E_MARKER'],
        { E2E_MARKER: marker },
      );
      await cli.waitForStdout('Cycle 1 of 60');
      // The script (not just the CLI, whose arguments hold the marker too) is running.
      expect(
        processesWithMarker(marker).filter((pid) => pid !== cli.child.pid).length,
      ).toBeGreaterThan(0);
      cli.signal('SIGINT');
      const result = await cli.done;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('Interrupted: stopping the run…');
      const history = box.read('LongRunningRunbook.md');
      expect(history).toMatch(
        /### \S+Z \| Exit Code: -15\n\n\*\*Stdout:\*\*\n```\nStarting LongRunningRunbook: 60 cycle\(s\)/,
      );
      expect(history).toContain('Run canceled: interrupted from the terminal.');
      // The CLI returns only after the process group is gone; give /proc a moment anyway.
      await waitUntil(
        () => processesWithMarker(marker).length === 0,
        'the script processes to be gone',
        10_000,
      );
    } finally {
      killMarked(marker);
    }
  });

  it('list, show, env with --json in the API shapes', async () => {
    const list = await box.run(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^FILE\s+NAME\s+LAST RUN\s+DESCRIPTION\n/);
    expect(list.stdout).toMatch(
      /\nSimpleRunbook\.md\s+SimpleRunbook\s+never\s+The smallest useful runbook/,
    );
    const listJson = JSON.parse((await box.run(['list', '--json'])).stdout) as {
      success: boolean;
      runbooks: { filename: string; name: string; path: string }[];
    };
    expect(listJson.success).toBe(true);
    expect(listJson.runbooks.map((item) => item.filename)).toEqual([
      'CertificateExpiryCheck.md',
      'CreatePackage.md',
      'DatabaseBackup.md',
      'DatabaseFailover.md',
      'DiskUsageReport.md',
      'LongRunningRunbook.md',
      'NightlyDiskReport.md',
      'ParentRunbook.md',
      'RestartPayments.md',
      'Runbook.md',
      'ScaleService.md',
      'SimpleRunbook.md',
    ]);
    expect(listJson.runbooks.find((item) => item.filename === 'Runbook.md')).toMatchObject({
      name: 'Runbook',
      path: 'Runbook.md',
    });

    const show = await box.run(['show', 'SimpleRunbook']);
    expect(show.stdout).toContain('SimpleRunbook\n═════════════\n');
    expect(show.stdout).toContain('Environment Requirements\n────────────────────────\n');
    expect(show.stdout).toContain('History: no runs recorded');
    expect(show.stdout).not.toContain('\u001b['); // no colours in a pipe
    expect(JSON.parse((await box.run(['show', 'SimpleRunbook', '--json'])).stdout)).toEqual({
      success: true,
      filename: 'SimpleRunbook.md',
      name: 'SimpleRunbook',
      content: box.read('SimpleRunbook.md'),
    });
    expect((await box.run(['show', 'SimpleRunbook', '--raw'])).stdout).toBe(
      box.read('SimpleRunbook.md'),
    );

    expect((await box.run(['env', 'LongRunningRunbook'])).stdout).toMatch(
      /^NAME\s+STATUS\s+DESCRIPTION\nCYCLES\s+missing\s+Number of two-second cycles/,
    );
    // A legacy `NAME: description` entry: a required, non-secret string (API shape).
    const cycles = {
      name: 'CYCLES',
      description: 'Number of two-second cycles to run, a whole number from 1 to 10000',
      type: 'string',
      enum: null,
      pattern: null,
      minimum: null,
      maximum: null,
      default: null,
      required: true,
      secret: false,
      from: null,
    };
    expect(
      JSON.parse((await box.run(['env', 'LongRunningRunbook', '--json'], { CYCLES: '3' })).stdout),
    ).toEqual({
      success: true,
      filename: 'LongRunningRunbook.md',
      required: [cycles],
      available: [cycles],
      missing: [],
    });
  });

  it('runs and logs read the History sections', async () => {
    await box.run(['execute', 'SimpleRunbook', '-e', 'TEST_VAR=one']);
    await box.run(['execute', 'LongRunningRunbook', '-e', 'CYCLES=0']);
    const runs = await box.run(['runs']);
    expect(runs.stdout).toMatch(
      /^ID\s+STATUS\s+EXIT\s+FINISHED\nLongRunningRunbook\.md#1\s+failure\s+2\s+\S+ \S+Z\nSimpleRunbook\.md#1\s+success\s+0\s+\S+ \S+Z\n$/,
    );
    const json = JSON.parse(
      (await box.run(['runs', '--runbook', 'SimpleRunbook', '--json'])).stdout,
    ) as { data: Record<string, unknown>[]; links: unknown };
    expect(json.links).toEqual({ next: null });
    expect(json.data).toEqual([
      expect.objectContaining({
        id: 'SimpleRunbook.md#1',
        runbook: 'SimpleRunbook.md',
        status: 'success',
        return_code: 0,
      }),
    ]);
    const logs = await box.run(['logs', 'SimpleRunbook.md#1']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('Test variable value: one\n');
    const failedLogs = await box.run(['logs', 'LongRunningRunbook.md#1', '--json']);
    expect(JSON.parse(failedLogs.stdout)).toMatchObject({
      status: 'failure',
      return_code: 2,
      stderr: expect.stringContaining("got '0'") as unknown,
    });
  });

  it('init writes a runbook that validates once its variables are set', async () => {
    const created = await box.run([
      'init',
      'RotateLogs',
      '--var',
      'SERVICE=Service: whose logs to rotate',
    ]);
    expect(created).toMatchObject({ code: 0, stdout: 'Created runbooks/RotateLogs.md\n' });
    expect((await box.run(['validate', 'RotateLogs'])).code).toBe(1);
    expect((await box.run(['validate', 'RotateLogs', '-e', 'SERVICE=web'])).stdout).toBe(
      '✓ RotateLogs.md is valid\n',
    );
    expect(await box.run(['execute', 'RotateLogs', '-e', 'SERVICE=web'])).toMatchObject({
      code: 0,
      stdout: 'RotateLogs: starting\nSERVICE=web\nRotateLogs: done\n',
    });
    expect((await box.run(['init', 'RotateLogs'])).code).toBe(64);
  });

  it('config shows the local settings', async () => {
    const json = JSON.parse((await box.run(['config', '--json'])).stdout) as Record<
      string,
      unknown
    >;
    expect(json).toEqual({
      mode: 'local',
      api_url: null,
      runbooks_dir: box.runbooks,
      config_file: join(box.configHome, 'runbook', 'config.json'),
      token_source: null,
      login: null,
    });
    expect((await box.run(['config'])).stdout).toMatch(/^SETTING\s+VALUE\nmode\s+local/);
    expect(await box.run(['logout'])).toMatchObject({ code: 0, stdout: 'Not logged in.\n' });
  });
});
