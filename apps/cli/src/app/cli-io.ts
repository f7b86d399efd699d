/** A text stream the CLI writes to (process.stdout/stderr, or a buffer in tests). */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Signals that interrupt a command (Ctrl-C, or a supervisor stopping us). */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** Everything a command touches outside itself, so commands run the same in tests and for real. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** The environment the command reads (RUNBOOK_API_URL, XDG_CONFIG_HOME, variables for runs). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Home folder (for ~/.config). */
  readonly homeDir: string;
  /**
   * Asks for one line on the terminal (typed text hidden when `hidden`); absent when stdin or
   * stderr is not a terminal, so scripts and CI never block on a question.
   */
  readonly prompt?: (question: string, hidden: boolean) => Promise<string>;
  /** Calls `handler` on each SIGINT/SIGTERM until the returned function is called. */
  onInterrupt(handler: (signal: InterruptSignal) => void): () => void;
}

/** Exit status of a process ended by `signal`, as shells report it. */
export function interruptExitCode(signal: InterruptSignal): number {
  return signal === 'SIGTERM' ? 143 : 130;
}
