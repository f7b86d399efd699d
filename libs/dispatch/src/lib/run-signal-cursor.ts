import type { OutputBackfill, RunSignal, RunSignalListener } from './output-bus';

const BACKFILL_PAGE = 1000;
/** Signals queued for a slow listener before the queued lines are dropped and read back later. */
const MAX_QUEUED_SIGNALS = 2000;
/** Longest stretch of deliveries before the cursor lets other work run. */
const SLICE_MS = 20;

/** Optional behaviour of a `RunSignalCursor`. */
export interface RunSignalCursorHooks {
  /** Called when everything offered has been delivered (the listener kept up again). */
  onIdle?: () => void;
  /** Queue bound before lines are dropped in favour of the backfill; default 2000. */
  maxQueuedSignals?: number;
}

/**
 * One subscriber's position in a run's signals. Signals offered to it (replayed or live, possibly
 * repeated) are delivered in seq order, each once; a gap is filled from the backfill before the
 * next line, and `done` waits until its `lastSeq` is reached.
 *
 * Back-pressure: a listener may return a promise, and the next signal (or backfill page) waits
 * for it. Meanwhile offers queue up; past `maxQueuedSignals`, with a backfill, the queued lines
 * are dropped (only the newest is kept, so the gap before it is read back from the store in
 * pages once the listener catches up): a slow subscriber costs bounded memory.
 */
export class RunSignalCursor {
  private lastSeq: number;
  private finished = false;
  private closed = false;
  private queue: RunSignal[] = [];
  private head = 0;
  private pumping = false;
  private sliceStartedAt = 0;
  private readonly maxQueued: number;

  constructor(
    private readonly runId: string,
    afterSeq: number,
    private readonly listener: RunSignalListener,
    private readonly backfill: OutputBackfill | undefined,
    private readonly onError: (error: unknown) => void,
    private readonly onEnd: () => void = () => undefined,
    private readonly hooks: RunSignalCursorHooks = {},
  ) {
    this.lastSeq = Math.max(0, Math.floor(afterSeq));
    this.maxQueued = Math.max(2, Math.floor(hooks.maxQueuedSignals ?? MAX_QUEUED_SIGNALS));
  }

  /** The last output seq delivered (or the `afterSeq` it started from). */
  get position(): number {
    return this.lastSeq;
  }

  /** True once `done` was delivered or the subscription was closed. */
  get isOver(): boolean {
    return this.finished || this.closed;
  }

  /** True when nothing offered is waiting or being delivered. */
  get isIdle(): boolean {
    return !this.pumping && this.head >= this.queue.length;
  }

  /** Queues a signal; signals are handled one at a time, in the order offered. */
  offer(signal: RunSignal): void {
    if (this.isOver) return;
    this.queue.push(signal);
    if (this.queue.length - this.head > this.maxQueued && this.backfill !== undefined) {
      this.dropQueuedLines();
    }
    if (!this.pumping) void this.pump();
  }

  /** Stops delivering (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.onEnd();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    this.sliceStartedAt = Date.now();
    try {
      while (this.head < this.queue.length && !this.isOver) {
        const signal = this.queue[this.head] as RunSignal;
        this.head += 1;
        if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        await this.accept(signal);
        await this.breathe();
      }
    } finally {
      this.pumping = false;
    }
    if (this.isOver) return;
    if (this.head < this.queue.length) {
      void this.pump();
      return;
    }
    this.queue = [];
    this.head = 0;
    this.hooks.onIdle?.();
  }

  /** Keeps the newest queued line and any `done`: the lines in between come from the backfill. */
  private dropQueuedLines(): void {
    const pending = this.queue.slice(this.head);
    let newestLine: Extract<RunSignal, { kind: 'output' }> | undefined;
    let done: RunSignal | undefined;
    for (const signal of pending) {
      if (signal.kind === 'done') done ??= signal;
      else if (newestLine === undefined || signal.line.seq > newestLine.line.seq)
        newestLine = signal;
    }
    this.queue = [newestLine, done].filter((signal) => signal !== undefined);
    this.head = 0;
  }

  private async accept(signal: RunSignal): Promise<void> {
    if (this.isOver) return;
    if (signal.kind === 'output') {
      const { seq } = signal.line;
      if (seq <= this.lastSeq) return;
      if (seq > this.lastSeq + 1) await this.fill(seq - 1);
      if (this.isOver) return;
      this.lastSeq = seq;
      await this.deliver(signal);
      return;
    }
    if (signal.lastSeq > this.lastSeq) await this.fill(signal.lastSeq);
    if (this.isOver) return;
    this.finished = true;
    await this.deliver(signal);
    this.onEnd();
  }

  /** Delivers stored lines up to `toSeq` (as far as the backfill has them), a page at a time. */
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
        await this.deliver({ kind: 'output', line });
        await this.breathe();
      }
      if (!progressed) return;
    }
  }

  /** Calls the listener and waits for the promise it may return (its errors are reported). */
  private async deliver(signal: RunSignal): Promise<void> {
    try {
      const accepted = this.listener(signal);
      if (accepted !== undefined) await accepted;
    } catch (error) {
      this.onError(error);
    }
  }

  /** Yields to the event loop once a stretch of deliveries has run for SLICE_MS. */
  private async breathe(): Promise<void> {
    if (Date.now() - this.sliceStartedAt < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStartedAt = Date.now();
  }
}
