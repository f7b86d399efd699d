import { Injectable, inject } from '@angular/core';
import { FollowEventStreamError, followEventStream } from '@runbooks/event-stream';
import type { ExecuteResult } from '@runbooks/types';
import { ApiError, apiErrorFrom, toApiError } from '../api/api-error';
import { runPath } from '../api/runs-api';
import { AuthService } from '../auth/auth.service';
import { FETCH } from '../browser-tokens';
import type { OutputStream } from './log-buffer';

/** Connection state of a followed run, for the UI. */
export type RunStreamState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

/** The server's announcement that it is stopping (`event: shutdown` on the stream). */
export interface ShutdownNotice {
  /** How long running runs may still finish. */
  graceSeconds: number;
  /** When runs still going are canceled (ISO-8601). */
  cancelAt: string;
}

/** What a followed run reports. */
export interface RunStreamCallbacks {
  /** A chunk of output (normally one line with its newline). */
  output(stream: OutputStream, data: string): void;
  /** The final `done` event (null when its JSON could not be read). */
  done(result: ExecuteResult | null): void;
  /** The connection state changed. */
  state(state: RunStreamState): void;
  /** The stream cannot continue (401/403/404, or the server stayed unreachable). */
  failed(error: ApiError): void;
  /** The server is shutting down (runs still going after the grace period are canceled). */
  shutdown?(notice: ShutdownNotice): void;
}

/** Tuning knobs (tests shorten them). */
export interface RunStreamOptions {
  /** Reconnect attempts in a row before giving up. */
  maxRetries?: number;
  /** Delay before reconnect attempt n (the last value repeats). */
  retryDelaysMs?: readonly number[];
  /** Reconnect when nothing, not even a heartbeat, arrived for this long. */
  silenceTimeoutMs?: number;
}

/** Handle of a followed run. */
export interface RunStreamHandle {
  /** Stops following (closes the connection; the run itself keeps going). */
  stop(): void;
}

const DEFAULTS: Required<RunStreamOptions> = {
  maxRetries: 8,
  retryDelaysMs: [500, 1000, 2000, 4000, 8000, 15000],
  // The API sends `: ping` every 15 s, so 45 s of silence means a dead connection.
  silenceTimeoutMs: 45_000,
};

/**
 * Follows `GET /api/runs/:id/events` with fetch (EventSource cannot send the bearer token) through
 * the follower the CLI shares (`@runbooks/event-stream`): replays the output from the start, tails
 * it live, and on a dropped or silent connection re-attaches with `Last-Event-ID` so no line is
 * shown twice or lost.
 */
@Injectable({ providedIn: 'root' })
export class RunEventStream {
  private readonly fetchFn = inject(FETCH);
  private readonly auth = inject(AuthService);

  /** Starts following a run's events. */
  follow(
    runId: string,
    callbacks: RunStreamCallbacks,
    options: RunStreamOptions = {},
  ): RunStreamHandle {
    const settings = { ...DEFAULTS, ...options };
    const stopper = new AbortController();
    void this.run(runId, callbacks, settings, stopper.signal);
    return { stop: () => stopper.abort() };
  }

  private async run(
    runId: string,
    callbacks: RunStreamCallbacks,
    settings: Required<RunStreamOptions>,
    stopped: AbortSignal,
  ): Promise<void> {
    const events = followEventStream({
      signal: stopped,
      maxRetries: settings.maxRetries,
      retryDelaysMs: settings.retryDelaysMs,
      silenceTimeoutMs: settings.silenceTimeoutMs,
      connect: ({ lastEventId, signal }) => this.open(runId, lastEventId, signal as AbortSignal),
      isRetryable: (error) => !(error instanceof ApiError) || isRetryable(error),
      onStateChange: (state) => callbacks.state(state),
    });
    try {
      for await (const { event, data } of events) {
        if (event === 'stdout' || event === 'stderr') {
          callbacks.output(event, data);
        } else if (event === 'done') {
          callbacks.done(parseResult(data));
          callbacks.state('ended');
          return;
        } else if (event === 'shutdown') {
          const notice = parseShutdown(data);
          if (notice) callbacks.shutdown?.(notice);
        }
      }
    } catch (error) {
      if (stopped.aborted) return;
      callbacks.state('failed');
      if (error instanceof FollowEventStreamError) {
        callbacks.failed(
          error.cause === null || error.cause === undefined
            ? new ApiError('network', 0, 'The output stream kept closing before the run finished.')
            : (apiErrorOrNull(error.cause) ?? apiErrorFrom(0, null, null)),
        );
      } else {
        callbacks.failed(toApiError(error));
      }
    }
  }

  /** Opens one connection; HTTP errors are thrown as ApiErrors (401 also signs out). */
  private async open(
    runId: string,
    lastEventId: string,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const token = this.auth.currentToken();
    if (token === null) {
      this.auth.redirectToSignIn('expired');
      throw apiErrorFrom(401, null, null);
    }
    const headers: Record<string, string> = {
      Accept: 'text/event-stream',
      Authorization: `Bearer ${token}`,
    };
    if (lastEventId !== '') headers['Last-Event-ID'] = lastEventId;
    const response = await this.fetchFn(runPath(runId, '/events'), {
      headers,
      cache: 'no-store',
      signal,
    });
    if (!response.ok || !response.body) {
      const error = await errorOf(response);
      if (error.status === 401) this.auth.redirectToSignIn('unauthorized');
      throw error;
    }
    return response.body;
  }
}

/** A connection error worth showing (a silent connection is not an ApiError). */
function apiErrorOrNull(error: unknown): ApiError | null {
  if (error instanceof Error && error.name === 'SilenceError') return null;
  return toApiError(error);
}

function isRetryable(error: ApiError): boolean {
  return error.kind === 'network' || error.kind === 'server' || error.kind === 'rate-limited';
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await response.text();
    body = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    body = null;
  }
  return apiErrorFrom(response.status, response.headers, body);
}

function parseShutdown(data: string): ShutdownNotice | null {
  try {
    const value = JSON.parse(data) as { grace_seconds?: unknown; cancel_at?: unknown } | null;
    if (typeof value?.grace_seconds !== 'number' || typeof value.cancel_at !== 'string')
      return null;
    return { graceSeconds: value.grace_seconds, cancelAt: value.cancel_at };
  } catch {
    return null;
  }
}

function parseResult(data: string): ExecuteResult | null {
  try {
    const value = JSON.parse(data) as unknown;
    return value && typeof value === 'object' ? (value as ExecuteResult) : null;
  } catch {
    return null;
  }
}
