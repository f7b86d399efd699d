import type { OutputBus as DispatchOutputBus } from '@runbooks/dispatch';

import type { RunSignal } from './output-bus';

/** Where a run's live signals go: the in-process `OutputBus` or the Redis one. */
export interface LiveOutput {
  publish(runId: string, signal: RunSignal): void;
}

/**
 * Forwards a run's live signals to the distributed OutputBus: lines with the store's seq (a
 * failed publish is ignored, subscribers backfill it from the store), `done` as `complete` with
 * the last seq this process stored, so subscribers catch up before `done`.
 */
export class DispatchLiveOutput implements LiveOutput {
  private readonly lastSeq = new Map<string, number>();

  constructor(
    private readonly bus: DispatchOutputBus,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  publish(runId: string, signal: RunSignal): void {
    if (signal.kind === 'output') {
      const { seq, stream, data } = signal.line;
      if (seq > (this.lastSeq.get(runId) ?? 0)) this.lastSeq.set(runId, seq);
      this.bus.publish(runId, { seq, stream, data }).catch(() => undefined);
      return;
    }
    const lastSeq = this.lastSeq.get(runId);
    this.lastSeq.delete(runId);
    this.bus
      .complete(runId, signal.result, lastSeq === undefined ? {} : { lastSeq })
      .catch(this.onError);
  }
}
