import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, type CliProcess, type CliResult } from './cli-process';
import { SAMPLES_DIR } from './paths';

/** A temp folder with a copy of the samples, a config home and an environment for the CLI. */
export class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'runbook-cli-e2e-'));
  readonly runbooks = join(this.root, 'runbooks');
  readonly configHome = join(this.root, 'config');
  readonly execution = join(this.root, 'execution');

  constructor() {
    cpSync(SAMPLES_DIR, this.runbooks, { recursive: true });
    mkdirSync(this.execution);
  }

  /** The CLI's environment: a scratch env (no RUNBOOK_* of the machine running the tests). */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: this.root,
      LANG: 'C.UTF-8',
      XDG_CONFIG_HOME: this.configHome,
      RUNBOOKS_DIR: this.runbooks,
      ...extra,
    };
  }

  /** Runs the CLI in the sandbox. */
  run(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
    return runCli(args, { cwd: this.root, env: this.env(env) });
  }

  /** Starts the CLI in the sandbox without waiting. */
  start(args: readonly string[], env: Record<string, string> = {}): CliProcess {
    return startCli(args, { cwd: this.root, env: this.env(env) });
  }

  /** A runbook's current text. */
  read(filename: string): string {
    return readFileSync(join(this.runbooks, filename), 'utf8');
  }

  /** Removes the folder. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
