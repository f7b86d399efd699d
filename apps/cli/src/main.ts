import { homedir } from 'node:os';
import type { CliIo, InterruptSignal } from './app/cli-io';
import { runCli } from './app/program';
import { readLine } from './app/terminal-prompt';

const argv = process.argv.slice(2);
if (argv.includes('--debug')) process.setSourceMapsEnabled(true);

// `runbook list | head -1`: a closed pipe ends the command quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  homeDir: homedir(),
  ...(process.stdin.isTTY && process.stderr.isTTY
    ? {
        prompt: (question: string, hidden: boolean) =>
          readLine(process.stdin, process.stderr, question, hidden),
      }
    : {}),
  onInterrupt(handler) {
    const listeners = (['SIGINT', 'SIGTERM'] as const).map((signal: InterruptSignal) => {
      const listener = (): void => handler(signal);
      process.on(signal, listener);
      return [signal, listener] as const;
    });
    return () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    };
  },
};

void runCli(argv, io).then((code) => {
  // Let buffered output reach pipes before exiting (open sockets must not keep us alive).
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
