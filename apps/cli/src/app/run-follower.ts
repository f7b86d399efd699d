import { setTimeout as sleep } from 'node:timers/promises';
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
}

/**
 * Prints a run's events until its `done` event. When the connection drops before that, it
 * re-attaches with `GET /api/runs/:id/events` and `Last-Event-ID`, so nothing is lost or repeated.
 */
export async function followRun(options: FollowOptions): Promise<FollowOutcome> {
  const { client, runId, signal } = options;
  const maxReconnects = options.maxReconnects ?? 5;
  const delay = options.reconnectDelayMs ?? 500;
  let lastEventId = options.lastEventId ?? null;
  let stream = options.initial ?? null;
  let failures = 0;
  for (;;) {
    if (signal.aborted) return { done: null, lastEventId };
    let brokenBy: unknown = null;
    const resumedFrom = lastEventId;
    try {
      stream ??= await requireRunId(runId, (id) => client.runEvents(id, lastEventId, signal));
      for await (const event of stream.events) {
        // Only an event's own `id:` line moves the resume point (`done` inherits the last one).
        const ownId = event.hasId ? event.id : null;
        // Only new events count as progress (a server replaying the same event is not).
        if (ownId !== null && ownId !== resumedFrom) failures = 0;
        if (ownId !== null) lastEventId = ownId;
        if (event.event === 'stdout' || event.event === 'stderr') {
          options.onOutput(event.event, event.data, ownId);
        } else if (event.event === 'done') {
          return { done: parseDone(event.data), lastEventId };
        }
      }
    } catch (error) {
      if (signal.aborted) return { done: null, lastEventId };
      // HTTP answers (404, 401, …) are final; only broken connections are retried.
      if (isCliError(error) && error.code !== 'API_UNREACHABLE') throw error;
      brokenBy = error;
    }
    stream = null;
    if (signal.aborted) return { done: null, lastEventId };
    if (runId === null) {
      throw new CliError('API_UNREACHABLE', 'the event stream ended before the run finished', {
        cause: brokenBy,
      });
    }
    failures++;
    if (failures > maxReconnects) {
      throw new CliError(
        'API_UNREACHABLE',
        `lost the event stream of run ${runId} ${maxReconnects} times; resume with \`runbook logs ${runId} --follow${lastEventId === null ? '' : ` --after ${lastEventId}`}\``,
        { cause: brokenBy },
      );
    }
    options.onReconnect?.(failures, lastEventId);
    try {
      await sleep(delay * 2 ** (failures - 1), undefined, { signal });
    } catch {
      return { done: null, lastEventId };
    }
  }
}

function requireRunId<T>(runId: string | null, open: (id: string) => Promise<T>): Promise<T> {
  if (runId === null) {
    return Promise.reject(
      new CliError('API_ERROR', 'the server did not say which run this is (no X-Run-Id)'),
    );
  }
  return open(runId);
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
