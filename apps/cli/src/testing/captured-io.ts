import type { CliIo, InterruptSignal, OutputStream } from '../app/cli-io';

/** An output stream that keeps what was written. */
export class CapturedStream implements OutputStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
  ) {}

  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** A CliIo for in-process tests: captured output, a given env and cwd, interrupts on demand. */
export class CapturedIo implements CliIo {
  readonly stdout = new CapturedStream();
  readonly stderr = new CapturedStream();
  private readonly handlers = new Set<(signal: InterruptSignal) => void>();

  constructor(
    readonly cwd: string,
    readonly env: Record<string, string | undefined> = {},
    readonly homeDir: string = cwd,
  ) {}

  onInterrupt(handler: (signal: InterruptSignal) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Number of commands currently listening for interrupts. */
  get listeners(): number {
    return this.handlers.size;
  }

  /** Delivers an interrupt as a Ctrl-C would. */
  interrupt(signal: InterruptSignal = 'SIGINT'): void {
    for (const handler of [...this.handlers]) handler(signal);
  }
}
