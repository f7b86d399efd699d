import { assertRunId, DispatchError } from './dispatch-error';
import {
  deliverOnce,
  type CancelChannel,
  type CancelChannelOptions,
  type CancelHandler,
  type CancelRequest,
  type CancelWatch,
} from './cancel-channel';

/** The embedded CancelChannel: requests reach watchers in this process. */
export class InProcessCancelChannel implements CancelChannel {
  private readonly watchers = new Map<string, Set<(request: CancelRequest) => void>>();
  private readonly pending = new Map<string, { request: CancelRequest; expiresAt: number }>();
  private readonly pendingTtlMs: number;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  constructor(options: CancelChannelOptions = {}) {
    this.pendingTtlMs = Math.max(0, options.pendingTtlMs ?? 600_000);
    this.onError = options.onError ?? (() => undefined);
  }

  request(request: CancelRequest): Promise<boolean> {
    try {
      this.assertOpen();
      assertRunId(request.runId);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const copy = { ...request };
    this.prune();
    this.pending.set(request.runId, { request: copy, expiresAt: Date.now() + this.pendingTtlMs });
    const watchers = [...(this.watchers.get(request.runId) ?? [])];
    for (const deliver of watchers) deliver(copy);
    return Promise.resolve(watchers.length > 0);
  }

  watch(runId: string, handler: CancelHandler): Promise<CancelWatch> {
    try {
      this.assertOpen();
      assertRunId(runId);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const watchers = this.watchers.get(runId) ?? new Set();
    this.watchers.set(runId, watchers);
    const deliver = deliverOnce(handler, (error) => this.onError(error));
    watchers.add(deliver);
    this.prune();
    const waiting = this.pending.get(runId);
    if (waiting !== undefined) deliver(waiting.request);
    return Promise.resolve({
      close: () => {
        watchers.delete(deliver);
        if (watchers.size === 0 && this.watchers.get(runId) === watchers)
          this.watchers.delete(runId);
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    this.pending.clear();
    return Promise.resolve();
  }

  private prune(): void {
    const now = Date.now();
    for (const [runId, entry] of this.pending)
      if (entry.expiresAt <= now) this.pending.delete(runId);
  }

  private assertOpen(): void {
    if (this.closed) throw new DispatchError('CANCEL_CLOSED', 'The cancel channel is closed.');
  }
}
