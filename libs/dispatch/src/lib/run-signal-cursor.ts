import type { OutputBackfill, RunSignal, RunSignalListener } from './output-bus';

const BACKFILL_PAGE = 1000;

/**
 * One subscriber's position in a run's signals. Signals offered to it (replayed or live, possibly
 * repeated) are delivered in seq order, each once; a gap is filled from the backfill before the
 * next line, and `done` waits until its `lastSeq` is reached. Offers are handled one at a time.
 */
export class RunSignalCursor {
  private lastSeq: number;
  private finished = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly runId: string,
    afterSeq: number,
    private readonly listener: RunSignalListener,
    private readonly backfill: OutputBackfill | undefined,
    private readonly onError: (error: unknown) => void,
    private readonly onEnd: () => void = () => undefined,
  ) {
    this.lastSeq = Math.max(0, Math.floor(afterSeq));
  }

  /** The last output seq delivered (or the `afterSeq` it started from). */
  get position(): number {
    return this.lastSeq;
  }

  /** True once `done` was delivered or the subscription was closed. */
  get isOver(): boolean {
    return this.finished || this.closed;
  }

  /** Queues a signal; resolves when it (and everything offered before) has been handled. */
  offer(signal: RunSignal): Promise<void> {
    this.chain = this.chain.then(() => this.accept(signal));
    return this.chain;
  }

  /** Stops delivering (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onEnd();
  }

  private async accept(signal: RunSignal): Promise<void> {
    if (this.isOver) return;
    if (signal.kind === 'output') {
      const { seq } = signal.line;
      if (seq <= this.lastSeq) return;
      if (seq > this.lastSeq + 1) await this.fill(seq - 1);
      if (this.isOver) return;
      this.lastSeq = seq;
      this.deliver(signal);
      return;
    }
    if (signal.lastSeq > this.lastSeq) await this.fill(signal.lastSeq);
    if (this.isOver) return;
    this.finished = true;
    this.deliver(signal);
    this.onEnd();
  }

  /** Delivers stored lines up to `toSeq` (as far as the backfill has them). */
  private async fill(toSeq: number): Promise<void> {
    if (this.backfill === undefined) return;
    while (this.lastSeq < toSeq && !this.isOver) {
      let lines;
      try {
        lines = await this.backfill(
          this.runId,
          this.lastSeq + 1,
          Math.min(BACKFILL_PAGE, toSeq - this.lastSeq),
        );
      } catch (error) {
        this.onError(error);
        return;
      }
      let progressed = false;
      for (const line of lines) {
        if (this.isOver || line.seq <= this.lastSeq || line.seq > toSeq) continue;
        this.lastSeq = line.seq;
        progressed = true;
        this.deliver({ kind: 'output', line });
      }
      if (!progressed) return;
    }
  }

  private deliver(signal: RunSignal): void {
    try {
      this.listener(signal);
    } catch (error) {
      this.onError(error);
    }
  }
}
