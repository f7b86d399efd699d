import { FollowEventStreamError, followEventStream } from '@runbooks/event-stream';
import type { ExecuteResult } from '@runbooks/types';
import type { ApiClient, RunEventStream } from './api-client';
import { CliError, isCliError } from './cli-error';

/** What following a run produced. */
export interface FollowOutcome {
  /** The `done` result, or null when following stopped first (aborted). */
  done: ExecuteResult | null;
  /** Id of the last event received (the resume point). */
  lastEventId: string | null;
}

/** Options of {@link followRun}. */
export interface FollowOptions {
  client: ApiClient;
  /** The run (needed to resume; without it a broken stream is an error). */
  runId: string | null;
  /** An already open stream (execute's); otherwise `GET /api/runs/:id/events` is opened. */
  initial?: RunEventStream | null;
  /** Resume point for the first `GET …/events`. */
  lastEventId?: string | null;
  onOutput(stream: 'stdout' | 'stderr', data: string, id: string | null): void;
  /** Stops following (the run itself is not touched). */
  signal: AbortSignal;
  /** Reconnection attempts in a row before giving up (default 5). */
  maxReconnects?: number;
  /** Called before each reconnection. */
  onReconnect?(attempt: number, lastEventId: string | null): void;
  /** Base delay between reconnections in ms (doubles each attempt; default 500). */
  reconnectDelayMs?: number;
  /** Reconnect when nothing, not even a heartbeat, arrived for this long (default 45 s). */
  silenceTimeoutMs?: number;
}

/**
 * Prints a run's events until its `done` event, with the follower the console shares
 * (`@runbooks/event-stream`): when the connection drops before that, it re-attaches with
 * `GET /api/runs/:id/events` and `Last-Event-ID`, so nothing is lost or repeated. A server that
 * cannot be reached at the first attempt is an error at once (exit 69), not a retry.
 */
export async function followRun(options: FollowOptions): Promise<FollowOutcome> {
  const { client, runId, signal } = options;
  const initial = options.initial ?? null;
  const maxReconnects = options.maxReconnects ?? 5;
  const delayMs = options.reconnectDelayMs ?? 500;
  let lastEventId = options.lastEventId ?? null;
  if (runId === null && initial === null) {
    throw new CliError('API_ERROR', 'the server did not say which run this is (no X-Run-Id)');
  }
  const events = followEventStream({
    lastEventId: lastEventId ?? '',
    signal,
    maxRetries: maxReconnects,
    retryDelaysMs: Array.from({ length: maxReconnects }, (_, n) => delayMs * 2 ** n),
    ...(options.silenceTimeoutMs === undefined
      ? {}
      : { silenceTimeoutMs: options.silenceTimeoutMs }),
    connect: async ({ attempt, lastEventId: resumeFrom, signal: connection }) => {
      if (attempt === 0 && initial !== null) return initial.source;
      if (runId === null) {
        throw new CliError('API_UNREACHABLE', 'the event stream ended before the run finished');
      }
      const stream = await client.runEvents(
        runId,
        resumeFrom === '' ? null : resumeFrom,
        connection as AbortSignal,
      );
      return stream.source;
    },
    // HTTP answers (404, 401, …) are final; so is a server that was never reached.
    isRetryable: (error, { hasConnected }) =>
      hasConnected && runId !== null && !(isCliError(error) && error.code !== 'API_UNREACHABLE'),
    onStateChange: (state, detail) => {
      if (state === 'reconnecting') options.onReconnect?.(detail.attempt, lastEventId);
    },
  });
  try {
    for await (const event of events) {
      // Only an event's own `id:` line moves the resume point (`done` inherits the last one).
      const ownId = event.hasId && event.id !== '' ? event.id : null;
      if (ownId !== null) lastEventId = ownId;
      if (event.event === 'stdout' || event.event === 'stderr') {
        options.onOutput(event.event, event.data, ownId);
      } else if (event.event === 'done') {
        return { done: parseDone(event.data), lastEventId };
      }
    }
  } catch (error) {
    if (!(error instanceof FollowEventStreamError)) throw error;
    const resume = lastEventId === null ? '' : ` --after ${lastEventId}`;
    throw new CliError(
      'API_UNREACHABLE',
      `lost the event stream of run ${runId ?? ''} ${maxReconnects} times; resume with \`runbook logs ${runId ?? ''} --follow${resume}\``,
      { cause: error },
    );
  }
  // The follower ends without `done` only when `signal` aborted.
  return { done: null, lastEventId };
}

/** Parses the `done` event's JSON (an `ExecuteResult`). */
export function parseDone(data: string): ExecuteResult {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new CliError('API_ERROR', 'the run ended with an unreadable done event');
  }
  const result = value as Partial<ExecuteResult> | null;
  if (typeof result !== 'object' || result === null || typeof result.return_code !== 'number') {
    throw new CliError('API_ERROR', 'the run ended with a done event without return_code');
  }
  return {
    success: result.success ?? result.return_code === 0,
    runbook: result.runbook ?? '',
    return_code: result.return_code,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
    errors: result.errors ?? [],
    warnings: result.warnings ?? [],
    ...(result.run_id === undefined ? {} : { run_id: result.run_id }),
  };
}
