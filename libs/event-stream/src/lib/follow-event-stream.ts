import { readEventStream, type AbortSignalLike, type EventStreamSource } from './read-event-stream';
import { SseParser, type SseEvent } from './sse-parser';

/** What a follower is doing, reported through {@link FollowEventStreamOptions.onStateChange}. */
export type FollowState = 'connecting' | 'live' | 'reconnecting';

/** Details of a state change. */
export interface FollowStateDetail {
  /** Connection attempt, 0 for the first one. */
  attempt: number;
  /** Resume point that the attempt sends (`''` when none). */
  lastEventId: string;
  /** Why the previous connection ended (`null` on the first attempt or after a clean close). */
  error: unknown;
}

/** What {@link FollowEventStreamOptions.connect} is asked to open. */
export interface FollowConnectRequest {
  /** Send as `Last-Event-ID` when not empty. */
  lastEventId: string;
  /** 0 for the first connection, then 1, 2, … for each reconnection. */
  attempt: number;
  /** Fires when the follower drops this connection (silence, stop): pass it to `fetch`. */
  signal: AbortSignalLike;
}

/** Context given to {@link FollowEventStreamOptions.isRetryable}. */
export interface FollowRetryContext {
  /** Connection attempt that failed, 0 for the first one. */
  attempt: number;
  /** Whether any connection of this follower was opened before. */
  hasConnected: boolean;
}

/** Options of {@link followEventStream}. */
export interface FollowEventStreamOptions {
  /** Opens one connection and resolves with its body; throw to fail the attempt. */
  connect(request: FollowConnectRequest): Promise<EventStreamSource>;
  /** Whether an error of `connect` is worth another attempt (default: every error is). */
  isRetryable?(error: unknown, context: FollowRetryContext): boolean;
  /** Whether an event ends the stream (default: an event named `done`). */
  isTerminal?(event: SseEvent): boolean;
  /** Resume point already known (default `''`: from the start). */
  lastEventId?: string;
  /** Attempts in a row without a new event before giving up (default 8). */
  maxRetries?: number;
  /** Delay before reconnection n (1-based); the last value repeats (default 0.5 s doubling to 15 s). */
  retryDelaysMs?: readonly number[];
  /** Drop a connection that sent nothing, not even a comment, for this long; 0 = never (default 45 s). */
  silenceTimeoutMs?: number;
  /** Stops following: the connection is closed and the generator returns. */
  signal?: AbortSignalLike;
  /** Called when the follower connects, goes live or waits to reconnect. */
  onStateChange?(state: FollowState, detail: FollowStateDetail): void;
}

/** Why {@link followEventStream} gave up. */
export type FollowErrorCode = 'RETRIES_EXHAUSTED';

/** Thrown by {@link followEventStream} when the stream could not be followed to its end. */
export class FollowEventStreamError extends Error {
  /** Always `RETRIES_EXHAUSTED` today: too many attempts in a row without a new event. */
  readonly code: FollowErrorCode;
  /** The resume point reached: pass it as `lastEventId` to try again later. */
  readonly lastEventId: string;
  /** Attempts made in a row without progress. */
  readonly attempts: number;

  constructor(message: string, lastEventId: string, attempts: number, cause: unknown) {
    super(message, { cause });
    this.name = 'FollowEventStreamError';
    this.code = 'RETRIES_EXHAUSTED';
    this.lastEventId = lastEventId;
    this.attempts = attempts;
  }
}

/** The part of the WHATWG timer and abort globals we use (in Node 20 and every browser). */
interface Platform {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  AbortController: new () => {
    readonly signal: AbortSignalLike;
    abort(reason?: unknown): void;
  };
}

/** The connection went quiet for longer than the silence timeout. */
class SilenceError extends Error {
  constructor(ms: number) {
    super(`no event and no heartbeat for ${ms} ms`);
    this.name = 'SilenceError';
  }
}

const DEFAULT_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000, 15000];

/**
 * Follows a server-sent event stream to its terminal event across broken connections: each
 * reconnection sends the last id seen (`Last-Event-ID`), events already seen are skipped, a
 * connection that goes silent longer than `silenceTimeoutMs` is dropped and replaced, and the
 * delay between attempts grows. Yields each new event once, the terminal one last.
 *
 * Ends quietly when `signal` aborts; throws the error of `connect` when `isRetryable` says no,
 * and a {@link FollowEventStreamError} after `maxRetries` attempts in a row without a new event.
 */
export async function* followEventStream(
  options: FollowEventStreamOptions,
): AsyncGenerator<SseEvent, void, undefined> {
  const platform = globalThis as unknown as Platform;
  const { signal } = options;
  const isTerminal = (event: SseEvent): boolean =>
    options.isTerminal ? options.isTerminal(event) : event.event === 'done';
  const isRetryable = (error: unknown, context: FollowRetryContext): boolean =>
    options.isRetryable ? options.isRetryable(error, context) : true;
  const maxRetries = options.maxRetries ?? 8;
  const delays = options.retryDelaysMs ?? DEFAULT_DELAYS_MS;
  const silenceMs = options.silenceTimeoutMs ?? 45_000;
  const seen = new SeenIds(options.lastEventId ?? '');
  let attempt = 0;
  let failures = 0;
  let hasConnected = false;
  let lastError: unknown = null;

  while (!signal?.aborted) {
    options.onStateChange?.(attempt === 0 ? 'connecting' : 'reconnecting', {
      attempt,
      lastEventId: seen.lastId,
      error: lastError,
    });
    const connection = new platform.AbortController();
    const stop = (): void => connection.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    let timer: unknown = null;
    const armTimer = (): void => {
      if (silenceMs <= 0) return;
      if (timer !== null) platform.clearTimeout(timer);
      timer = platform.setTimeout(() => connection.abort(new SilenceError(silenceMs)), silenceMs);
    };
    let madeProgress = false;
    try {
      armTimer();
      const source = await options.connect({
        lastEventId: seen.lastId,
        attempt,
        signal: connection.signal,
      });
      hasConnected = true;
      options.onStateChange?.('live', { attempt, lastEventId: seen.lastId, error: null });
      const parser = new SseParser({ lastEventId: seen.lastId });
      for await (const item of readEventStream(source, { parser, signal: connection.signal })) {
        armTimer();
        if (item.kind !== 'event' || !seen.isNew(item.event)) continue;
        madeProgress = true;
        failures = 0;
        yield item.event;
        if (isTerminal(item.event)) return;
      }
      lastError = null; // closed by the server before the terminal event
    } catch (error) {
      if (signal?.aborted) return;
      const cause =
        connection.signal.reason instanceof SilenceError ? connection.signal.reason : error;
      if (!(cause instanceof SilenceError) && !isRetryable(cause, { attempt, hasConnected })) {
        throw cause;
      }
      lastError = cause;
    } finally {
      if (timer !== null) platform.clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      connection.abort();
    }
    if (!madeProgress) failures += 1;
    if (failures > maxRetries) {
      throw new FollowEventStreamError(
        `the event stream broke ${failures} times in a row without a new event`,
        seen.lastId,
        failures,
        lastError,
      );
    }
    attempt += 1;
    const delayMs = delays[Math.min(Math.max(failures, 1) - 1, delays.length - 1)] ?? 1000;
    await pause(platform, delayMs, signal);
  }
}

/**
 * Remembers the resume point and recognises events seen before: ids that are decimal integers
 * (as the Runbooks API sends) must grow; any other id is a duplicate when it equals the last one.
 * Events without their own id (a `done` that inherits the last id) are always new.
 */
class SeenIds {
  private lastNumber: number | null;

  constructor(public lastId: string) {
    this.lastNumber = asNumber(lastId);
  }

  isNew(event: SseEvent): boolean {
    if (!event.hasId || event.id === '') return true;
    const number = asNumber(event.id);
    if (number !== null && this.lastNumber !== null && number <= this.lastNumber) return false;
    if (number === null && event.id === this.lastId) return false;
    this.lastId = event.id;
    this.lastNumber = number;
    return true;
  }
}

function asNumber(id: string): number | null {
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

function pause(platform: Platform, ms: number, signal: AbortSignalLike | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      platform.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = platform.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
