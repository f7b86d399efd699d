import type { OutputBus } from '@runbooks/dispatch';
import type { OutputChunkInput, RunStore } from '@runbooks/history';

/** At most one write per this interval while output keeps coming (unless a batch fills up). */
const FLUSH_INTERVAL_MS = 25;
const MAX_BATCH = 256;

/** A pending write: on the next turn of the event loop, or after a timer. */
interface ScheduledFlush {
  cancel(): void;
}

/**
 * Writes a run's output lines to the store in small batches and publishes them with the
 * sequence numbers the store assigned, so live and replayed events carry the same ids.
 *
 * The first line after a quiet spell is written at once (on the next turn of the event loop, so
 * the lines of one read stay together): a short script's output is then usually stored while
 * the script is still exiting, and a live client sees it without delay. Lines that follow within
 * `FLUSH_INTERVAL_MS` of a write wait for the rest of that interval and go together.
 */
export class RunOutputWriter {
  private pending: OutputChunkInput[] = [];
  private scheduled: ScheduledFlush | null = null;
  private lastWriteAtMs = Number.NEGATIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();
  private stored = 0;

  constructor(
    private readonly store: RunStore,
    private readonly bus: OutputBus,
    private readonly runId: string,
    private readonly attempt?: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Queues one line of output. */
  add(stream: 'stdout' | 'stderr', data: string): void {
    this.pending.push({ stream, data });
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else
      this.scheduled ??= this.schedule(this.lastWriteAtMs + FLUSH_INTERVAL_MS - performance.now());
  }

  /** Writes everything queued so far; resolves when it is stored and published. */
  flush(): Promise<void> {
    this.scheduled?.cancel();
    this.scheduled = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.chain;
    this.lastWriteAtMs = performance.now();
    this.chain = this.chain
      .then(async () => {
        const options = this.attempt === undefined ? {} : { attempt: this.attempt };
        const stored = await this.store.appendOutput(this.runId, batch, options);
        // A failed publish is ignored: subscribers backfill the line from the store.
        for (const chunk of stored) {
          this.stored = Math.max(this.stored, chunk.seq);
          this.bus.publish(this.runId, chunk).catch(() => undefined);
        }
      })
      .catch(this.onError);
    return this.chain;
  }

  /** The last seq stored so far (0 when nothing was): subscribers catch up to it before `done`. */
  get lastSeq(): number {
    return this.stored;
  }

  private schedule(waitMs: number): ScheduledFlush {
    if (waitMs <= 0) {
      const immediate = setImmediate(() => void this.flush());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(() => void this.flush(), waitMs);
    return { cancel: () => clearTimeout(timer) };
  }
}
