import type { ExecuteResult } from '@runbooks/types';

/** Which output stream a line came from. */
export type OutputStream = 'stdout' | 'stderr';

/** One line (or partial line) of a run's output with its per-run sequence number (from 1). */
export interface OutputLine {
  seq: number;
  stream: OutputStream;
  data: string;
}

/** What `publish` takes: a line, with the sequence number the RunStore gave it, or none (the bus numbers it). */
export interface OutputLineInput {
  seq?: number;
  stream: OutputStream;
  data: string;
}

/** What a subscriber receives: output lines in seq order, then `done` once. */
export type RunSignal =
  { kind: 'output'; line: OutputLine } | { kind: 'done'; result: ExecuteResult; lastSeq: number };

/**
 * Receives a run's signals, in order, each once. A listener that cannot keep up returns a
 * promise: the subscription delivers nothing more (and reads no further backfill page) until it
 * settles, so a slow consumer holds back its own stream without buffering it in memory.
 */
export type RunSignalListener = (signal: RunSignal) => void | PromiseLike<void>;

/** A subscription made by `OutputBus.subscribe`. */
export interface OutputSubscription {
  /** Stops the subscription (idempotent); it also ends by itself after `done`. */
  close(): void;
}

/**
 * Loads stored output lines (`seq >= fromSeq`, in order, at most `limit`), e.g.
 * `(runId, fromSeq, limit) => store.readOutput(runId, fromSeq, limit)`. The bus uses it to fill
 * gaps: lines older than what the bus retains, or lines whose publish failed.
 */
export type OutputBackfill = (
  runId: string,
  fromSeq: number,
  limit: number,
) => Promise<OutputLine[]>;

/** Options shared by every OutputBus adapter. */
export interface OutputBusOptions {
  /** Fills gaps from durable storage; without it a subscriber skips what the bus no longer has. */
  backfill?: OutputBackfill;
  /** Errors no caller can receive (a listener that throws, a failed backfill, connection trouble). */
  onError?: (error: unknown) => void;
}

/**
 * Port for live, resumable run output. A subscriber gives the last sequence number it saw
 * (`Last-Event-ID`, 0 for everything) and receives every later line, then `done`: replay first,
 * then live, with no gap and no duplicate. Delivery respects back-pressure (see
 * `RunSignalListener`): a slow subscriber holds back only itself, in bounded memory, and catches
 * up from the retained lines or the backfill.
 */
export interface OutputBus {
  /**
   * Publishes a line; returns its sequence number. A line whose `seq` was already published (or
   * any line after `complete`) is ignored, so publishing again after a failure is safe.
   */
  publish(runId: string, line: OutputLineInput): Promise<number>;
  /** Ends the run's stream with its result. `lastSeq` (default: the last published) lets subscribers backfill missing lines first. */
  complete(runId: string, result: ExecuteResult, options?: { lastSeq?: number }): Promise<void>;
  /** Follows a run from after `afterSeq`. */
  subscribe(runId: string, afterSeq: number, listener: RunSignalListener): OutputSubscription;
  /** Ends every subscription and releases connections. */
  close(): Promise<void>;
}
