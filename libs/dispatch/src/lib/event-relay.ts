import { DispatchError } from './dispatch-error';
import type { RunEventSink, RunEventSource } from './run-event';

/** Options of `EventRelay`. */
export interface EventRelayOptions {
  /** The outbox to read (a `@runbooks/history` store opened with `outbox: true`). */
  source: RunEventSource;
  /** Where to publish, in order; an event is marked published once every sink has it. */
  sinks: readonly RunEventSink[];
  /** Events read per round; default 100. */
  batchSize?: number;
  /** Pause when the outbox is empty (`notify` cuts it short); default 500 ms. */
  pollIntervalMs?: number;
  /** First pause after a failure, doubled up to `maxRetryDelayMs`; default 1000 ms. */
  retryDelayMs?: number;
  /** Longest pause after failures; default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** Failures of the background loop (the loop goes on). */
  onError?: (error: unknown) => void;
}

/**
 * Publishes the outbox at least once, in order per run: read a batch, hand it to every sink,
 * then mark it published. A sink that fails gets the same events again after a back-off (sinks
 * that already took them are not repeated while this relay lives). Run one relay at a time per
 * outbox (e.g. on the leader): two relays could interleave one run's events.
 */
export class EventRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly onError: (error: unknown) => void;
  /** Event ids each sink already took, for events not yet marked published. */
  private readonly delivered = new Map<RunEventSink, Set<string>>();
  private running: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private notified = false;

  constructor(private readonly options: EventRelayOptions) {
    this.batchSize = Math.min(Math.max(Math.floor(options.batchSize ?? 100), 1), 1000);
    this.pollIntervalMs = Math.max(1, options.pollIntervalMs ?? 500);
    this.retryDelayMs = Math.max(1, options.retryDelayMs ?? 1000);
    this.maxRetryDelayMs = Math.max(this.retryDelayMs, options.maxRetryDelayMs ?? 30_000);
    this.onError = options.onError ?? (() => undefined);
    for (const sink of options.sinks) this.delivered.set(sink, new Set());
  }

  /** True while the background loop runs. */
  get isRunning(): boolean {
    return this.running !== null;
  }

  /**
   * Publishes one batch; resolves with the number of events marked published (0: the outbox is
   * empty). Throws SINK_FAILED when a sink failed (nothing of the batch is marked published then).
   */
  async relayOnce(): Promise<number> {
    const events = await this.options.source.readOutbox(this.batchSize);
    if (events.length === 0) return 0;
    for (const sink of this.options.sinks) {
      const taken = this.delivered.get(sink) ?? new Set<string>();
      const pending = events.filter((event) => !taken.has(event.event_id));
      if (pending.length === 0) continue;
      try {
        await sink.deliver(pending);
      } catch (error) {
        throw new DispatchError(
          'SINK_FAILED',
          `Event sink ${sink.name} failed: ${message(error)}`,
          {
            cause: error,
          },
        );
      }
      for (const event of pending) taken.add(event.event_id);
    }
    const ids = events.map((event) => event.event_id);
    await this.options.source.markPublished(ids);
    for (const taken of this.delivered.values()) for (const id of ids) taken.delete(id);
    return events.length;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running !== null) return;
    this.stopping = false;
    this.running = this.loop().finally(() => (this.running = null));
  }

  /** Asks the loop to look at the outbox now (e.g. right after a state change). */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  /** Stops the loop after the batch in progress; `closeSinks` also closes the sinks. */
  async stop(options: { closeSinks?: boolean } = {}): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    if (options.closeSinks) {
      for (const sink of this.options.sinks) await sink.close?.();
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let pauseMs: number;
      this.notified = false;
      try {
        const published = await this.relayOnce();
        failures = 0;
        pauseMs = published === this.batchSize ? 0 : this.pollIntervalMs;
      } catch (error) {
        this.onError(error);
        pauseMs = Math.min(this.retryDelayMs * 2 ** failures, this.maxRetryDelayMs);
        failures += 1;
      }
      if (pauseMs > 0 && !this.stopping && !this.notified) await this.pause(pauseMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
