import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { npm, pack, root } from './support/packages';

// Proves the released CLI works as users get it: the packed dist/apps/cli, installed globally
// (`npm install -g`) into a scratch prefix, puts `runbook` on the PATH, and that command validates
// and runs a sample runbook locally.

describe('the runbook CLI from its tarball', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'runbooks-cli-'));
  const prefix = join(scratch, 'prefix');
  const runbooks = join(scratch, 'runbooks');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const runbook = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(join(prefix, 'bin', 'runbook'), args, {
      cwd: scratch,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], HOME: scratch, LANG: 'C.UTF-8', ...env },
      timeout: 60_000,
    });

  beforeAll(() => {
    const dist = join(root, 'dist', 'apps', 'cli');
    const tarball = join(scratch, pack(dist, scratch).filename);
    npm(['install', '--global', '--prefer-offline', tarball], scratch, {
      npm_config_prefix: prefix,
    });
    mkdirSync(runbooks);
    copyFileSync(
      join(root, 'samples', 'runbooks', 'SimpleRunbook.md'),
      join(runbooks, 'SimpleRunbook.md'),
    );
  });

  it('is published with its version, license and built files only', () => {
    const installed = join(prefix, 'lib', 'node_modules', '@runbooks', 'cli');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
    };
    const source = JSON.parse(readFileSync(join(root, 'apps', 'cli', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifest.version).toBe(source.version);
    const version = runbook(['--version']);
    expect(version.stdout.trim()).toBe(source.version);
    expect(Object.keys(manifest.dependencies).filter((d) => d.startsWith('@runbooks/'))).toEqual(
      [],
    );
  });

  it('validates a sample runbook: missing variable, then valid', () => {
    const missing = runbook(['validate', 'SimpleRunbook', '--runbooks-dir', runbooks]);
    expect(missing.status).toBe(1);
    expect(missing.stdout + missing.stderr).toContain('TEST_VAR');
    const valid = runbook([
      'validate',
      'SimpleRunbook',
      '--runbooks-dir',
      runbooks,
      '-e',
      'TEST_VAR=hello',
    ]);
    expect({ status: valid.status, stderr: valid.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('executes the sample runbook locally with zsh and records its history', () => {
    const executionDir = join(scratch, 'execution');
    mkdirSync(executionDir);
    const file = join(runbooks, 'SimpleRunbook.md');
    const run = runbook(['execute', file, '-e', 'TEST_VAR=hello', '--execution-dir', executionDir]);
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(run.stdout).toContain('Test variable value: hello');
    expect(run.stdout).toContain('SimpleRunbook completed successfully');
    expect(readFileSync(join(runbooks, 'SimpleRunbook.md'), 'utf8')).toMatch(/Exit Code: 0/);
  });
});
