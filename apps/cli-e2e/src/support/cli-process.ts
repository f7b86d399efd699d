import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI_MAIN } from './paths';
import { waitUntil } from './wait-until';

/** What a finished CLI process produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How to run the CLI: working directory and environment (nothing else is inherited). */
export interface CliRunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Run this program with `args` instead of the CLI (e.g. `script` for a pseudo-terminal). */
  executable?: string;
}

/** A running `runbook` process with its output so far. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.done = new Promise((resolve) =>
      child.once('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }

  /** Waits until stdout contains `text`. */
  waitForStdout(text: string, timeoutMs = 60_000): Promise<void> {
    return waitUntil(
      () => this.stdout.includes(text),
      `"${text}" on the CLI's stdout:\n${this.stdout}\n${this.stderr}`,
      timeoutMs,
    );
  }

  /** Sends a signal to the CLI process (as Ctrl-C would, SIGINT). */
  signal(signal: NodeJS.Signals = 'SIGINT'): void {
    this.child.kill(signal);
  }
}

/** Starts `node dist/apps/cli/main.js <args>`. */
export function startCli(args: readonly string[], options: CliRunOptions): CliProcess {
  if (!existsSync(CLI_MAIN))
    throw new Error(`${CLI_MAIN} is missing: run "npx nx build cli" first`);
  const [program, argv] = options.executable
    ? [options.executable, [...args]]
    : [process.execPath, [CLI_MAIN, ...args]];
  const child = spawn(program, argv, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new CliProcess(child);
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  return startCli(args, options).done;
}
