import { Injectable, inject } from '@angular/core';
import { readEventStream, type SseItem } from '@runbooks/event-stream';
import type { ExecuteResult } from '@runbooks/types';
import { ApiError, apiErrorFrom, toApiError } from '../api/api-error';
import { runPath } from '../api/runs-api';
import { AuthService } from '../auth/auth.service';
import { FETCH } from '../browser-tokens';
import type { OutputStream } from './log-buffer';

/** Connection state of a followed run, for the UI. */
export type RunStreamState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';

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

/** Aborts a read because the connection went silent; a reconnect follows. */
class SilenceTimeout extends Error {}

/**
 * Follows `GET /api/runs/:id/events` with fetch (EventSource cannot send the bearer token):
 * replays the output from the start, tails it live, and on a dropped connection re-attaches with
 * `Last-Event-ID` so no line is shown twice or lost.
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
    let lastId = '';
    let lastSeq = -Infinity;
    let failures = 0;
    let connectedOnce = false;

    while (!stopped.aborted) {
      callbacks.state(connectedOnce || failures > 0 ? 'reconnecting' : 'connecting');
      const token = this.auth.currentToken();
      if (token === null) {
        this.auth.redirectToSignIn('expired');
        callbacks.state('failed');
        callbacks.failed(apiErrorFrom(401, null, null));
        return;
      }

      const connection = new AbortController();
      const abortConnection = (): void => connection.abort(stopped.reason);
      stopped.addEventListener('abort', abortConnection, { once: true });
      let silenceTimer: ReturnType<typeof setTimeout> | null = null;
      const armSilenceTimer = (): void => {
        if (silenceTimer !== null) clearTimeout(silenceTimer);
        silenceTimer = setTimeout(
          () => connection.abort(new SilenceTimeout('no data or heartbeat')),
          settings.silenceTimeoutMs,
        );
      };
      let finished = false;

      try {
        const headers: Record<string, string> = {
          Accept: 'text/event-stream',
          Authorization: `Bearer ${token}`,
        };
        if (lastId !== '') headers['Last-Event-ID'] = lastId;
        armSilenceTimer();
        const response = await this.fetchFn(runPath(runId, '/events'), {
          headers,
          cache: 'no-store',
          signal: connection.signal,
        });

        if (!response.ok || !response.body) {
          const error = await errorOf(response);
          if (error.status === 401) {
            this.auth.redirectToSignIn('unauthorized');
          }
          if (!isRetryable(error)) {
            callbacks.state('failed');
            callbacks.failed(error);
            return;
          }
          throw error;
        }

        connectedOnce = true;
        callbacks.state('live');
        const onItem = (item: SseItem): void => {
          armSilenceTimer();
          if (item.kind !== 'event' || finished) return;
          failures = 0;
          const { event, data, id, hasId } = item.event;
          // Only an event's own id orders it; `done` carries none and inherits the last one.
          const seq = hasId && id !== '' ? Number(id) : Number.NaN;
          if (!Number.isNaN(seq)) {
            // A server that ignores Last-Event-ID replays from the start: skip what we have.
            if (seq <= lastSeq) return;
            lastSeq = seq;
          }
          if (id !== '') lastId = id;
          if (event === 'stdout' || event === 'stderr') {
            callbacks.output(event, data);
          } else if (event === 'done') {
            finished = true;
            callbacks.done(parseResult(data));
            connection.abort();
          }
        };
        try {
          for await (const item of readEventStream(response.body, { signal: connection.signal })) {
            onItem(item);
            if (finished) break;
          }
        } catch (error) {
          if (!finished) throw error;
        }
        if (finished) {
          callbacks.state('ended');
          return;
        }
        // The server closed the stream before `done`: re-attach from the last id.
        failures += 1;
        if (failures > settings.maxRetries) {
          callbacks.state('failed');
          callbacks.failed(
            new ApiError('network', 0, 'The output stream kept closing before the run finished.'),
          );
          return;
        }
      } catch (error) {
        if (stopped.aborted) return;
        if (finished) {
          callbacks.state('ended');
          return;
        }
        const apiError =
          error instanceof SilenceTimeout || connection.signal.reason instanceof SilenceTimeout
            ? null
            : toApiError(error);
        failures += 1;
        if (failures > settings.maxRetries) {
          callbacks.state('failed');
          callbacks.failed(apiError ?? apiErrorFrom(0, null, null));
          return;
        }
      } finally {
        if (silenceTimer !== null) clearTimeout(silenceTimer);
        stopped.removeEventListener('abort', abortConnection);
      }

      if (failures > 0) {
        const delays = settings.retryDelaysMs;
        const delay = delays[Math.min(failures - 1, delays.length - 1)] ?? 1000;
        await sleep(delay, stopped);
      }
    }
  }
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

function parseResult(data: string): ExecuteResult | null {
  try {
    const value = JSON.parse(data) as unknown;
    return value && typeof value === 'object' ? (value as ExecuteResult) : null;
  } catch {
    return null;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
