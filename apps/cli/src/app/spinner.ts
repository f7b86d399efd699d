import type { OutputStream } from './cli-io';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A one-line progress indicator on a terminal (`⠋ Waiting for …`), redrawn in place and erased
 * on stop. Does nothing when the stream is not a TTY, so pipes and logs stay clean.
 */
export class Spinner {
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private text: string;

  constructor(
    private readonly stream: OutputStream,
    text: string,
    private readonly intervalMs = 100,
  ) {
    this.text = text;
  }

  /** Whether the spinner draws anything (only on a TTY). */
  get isEnabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Starts drawing (no-op off a TTY or when already running). */
  start(): this {
    if (!this.isEnabled || this.timer) return this;
    this.draw();
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Changes the text shown next to the spinner. */
  update(text: string): void {
    this.text = text;
    if (this.timer) this.draw();
  }

  /** Stops and erases the line. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.stream.write('\r\u001b[2K');
  }

  private draw(): void {
    const frame = FRAMES[this.frame++ % FRAMES.length] ?? '';
    // A pseudo-terminal without a size reports 0 columns.
    const columns = this.stream.columns || 80;
    const line = `${frame} ${this.text}`;
    this.stream.write(`\r\u001b[2K${[...line].slice(0, Math.max(1, columns - 1)).join('')}`);
  }
}
