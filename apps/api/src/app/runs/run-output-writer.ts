import type { OutputChunkInput, RunStore } from '@runbooks/history';

import type { LiveOutput } from './live-output';

/** Lines waiting longer than this are written (and published) even if the batch is small. */
const FLUSH_DELAY_MS = 25;
const MAX_BATCH = 256;

/**
 * Writes a run's output lines to the store in small batches and publishes them with the
 * sequence numbers the store assigned, so live and replayed events carry the same ids.
 */
export class RunOutputWriter {
  private pending: OutputChunkInput[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: RunStore,
    private readonly bus: LiveOutput,
    private readonly runId: string,
    private readonly attempt?: number,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Queues one line of output. */
  add(stream: 'stdout' | 'stderr', data: string): void {
    this.pending.push({ stream, data });
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  /** Writes everything queued so far; resolves when it is stored and published. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.chain;
    this.chain = this.chain
      .then(async () => {
        const options = this.attempt === undefined ? {} : { attempt: this.attempt };
        const stored = await this.store.appendOutput(this.runId, batch, options);
        for (const chunk of stored) this.bus.publish(this.runId, { kind: 'output', line: chunk });
      })
      .catch(this.onError);
    return this.chain;
  }
}
