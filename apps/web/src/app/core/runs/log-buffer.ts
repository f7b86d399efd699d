/** Which stream a line of run output came from. */
export type OutputStream = 'stdout' | 'stderr';

/** One displayed line of run output. */
export interface LogLine {
  /** 1-based line number across both streams. */
  readonly n: number;
  readonly stream: OutputStream;
  text: string;
}

/**
 * Collects streamed output as lines. Events normally carry one line each with its trailing
 * newline, but a final partial line (or a line split across events) is continued when the next
 * chunk of the same stream arrives. The full text is kept for download; only the newest
 * `maxLines` lines are kept for display.
 */
export class LogBuffer {
  private readonly shown: LogLine[] = [];
  private readonly chunks: string[] = [];
  /** The last line of each stream that did not end with a newline yet. */
  private readonly open: Record<OutputStream, LogLine | null> = { stdout: null, stderr: null };
  private count = 0;
  private bytes = 0;

  constructor(private readonly maxLines = 5000) {}

  /** Lines available for display (the newest `maxLines`). */
  get lines(): readonly LogLine[] {
    return this.shown;
  }

  /** Total number of lines received (including those no longer displayed). */
  get lineCount(): number {
    return this.count;
  }

  /** How many of the oldest lines are no longer displayed. */
  get hiddenLineCount(): number {
    return this.count - this.shown.length;
  }

  /** Characters received so far. */
  get size(): number {
    return this.bytes;
  }

  /** The whole output in arrival order, as a file to download. */
  get text(): string {
    return this.chunks.join('');
  }

  /** Adds one chunk of output from a stream. */
  append(stream: OutputStream, data: string): void {
    if (data === '') return;
    this.chunks.push(data);
    this.bytes += data.length;
    const pieces = data.split('\n');
    const endsWithNewline = data.endsWith('\n');
    if (endsWithNewline) pieces.pop();
    pieces.forEach((piece, index) => {
      const continuing = index === 0 ? this.open[stream] : null;
      if (continuing) {
        continuing.text += piece;
      } else {
        this.push({ n: ++this.count, stream, text: piece });
      }
    });
    const last = this.shown[this.shown.length - 1];
    this.open[stream] = !endsWithNewline && last && last.stream === stream ? last : null;
    // A line of the other stream in between closes an open line for display purposes.
    const other: OutputStream = stream === 'stdout' ? 'stderr' : 'stdout';
    this.open[other] = null;
  }

  /** Forgets everything (used when a stream is replayed from the start). */
  clear(): void {
    this.shown.length = 0;
    this.chunks.length = 0;
    this.open.stdout = null;
    this.open.stderr = null;
    this.count = 0;
    this.bytes = 0;
  }

  private push(line: LogLine): void {
    this.shown.push(line);
    if (this.shown.length > this.maxLines) this.shown.splice(0, this.shown.length - this.maxLines);
  }
}
