/** A request to cancel a run, as the API received it. */
export interface CancelRequest {
  runId: string;
  /** Who asked (user id). */
  requestedBy: string;
  reason: string | null;
}

/** Called in the process that owns the run. */
export type CancelHandler = (request: CancelRequest) => void;

/** A watch started by `CancelChannel.watch`. */
export interface CancelWatch {
  /** Stops watching (idempotent); call it when the run finished. */
  close(): Promise<void>;
}

/** Options shared by every CancelChannel adapter. */
export interface CancelChannelOptions {
  /** How long a request waits for an owner that has not started watching yet; default 600 000 ms. */
  pendingTtlMs?: number;
  /** Errors no caller can receive (a handler that throws, connection trouble). */
  onError?: (error: unknown) => void;
}

/**
 * Port that carries a cancel to the process running the run, wherever the request landed. The
 * owner `watch`es its run while it runs; `request` reaches it at once. A request made before the
 * owner started watching (claim → watch race) is kept for `pendingTtlMs` and delivered on `watch`.
 */
export interface CancelChannel {
  /** Sends a cancel; true when a watcher received it now (false: nobody runs it here/now). */
  request(request: CancelRequest): Promise<boolean>;
  /** Watches one run; the handler is called at most once. */
  watch(runId: string, handler: CancelHandler): Promise<CancelWatch>;
  /** Ends every watch and releases connections. */
  close(): Promise<void>;
}

/**
 * What adapters call for a watch: `handler` at most once (a cancel may arrive by several
 * routes), with its exceptions going to `onError` instead of the delivering loop.
 */
export function deliverOnce(
  handler: CancelHandler,
  onError: (error: unknown) => void,
): CancelHandler {
  let fired = false;
  return (request) => {
    if (fired) return;
    fired = true;
    try {
      handler(request);
    } catch (error) {
      onError(error);
    }
  };
}
