import type { ExecuteResult, RunRecord } from '@runbooks/types';
import type { ApiError } from '../../core/api/api-error';
import { isActiveStatus } from '../../core/format/run-status';
import type { RunStreamState, ShutdownNotice } from '../../core/runs/run-event-stream';

/** Everything the run view knows about a run, from the record, the stream and the server. */
export interface RunViewFacts {
  /** The last record loaded (kept when a later reload fails). */
  record: RunRecord | null;
  /** Why the last load of the record failed (null when it did not). */
  recordError: ApiError | null;
  /** The stream's `done` result, once it arrived. */
  result: ExecuteResult | null;
  /** The connection state of the output stream. */
  stream: RunStreamState;
  /** The server announced that it is shutting down. */
  shutdown: ShutdownNotice | null;
}

/** What the run view shows: one answer to "where is this run", derived from the facts. */
export interface RunDisplayState {
  /** The status chip's status; `Ended` while only the stream says the run is over. */
  status: string | null;
  /** The run may still produce output: elapsed ticks, Cancel is offered. */
  isActive: boolean;
  /** The exit code to show, if any is known. */
  exitCode: number | null;
  /** The label next to the output stream's dot. */
  streamLabel: string;
  /** A sentence about the server or the record, shown above the output (null for none). */
  notice: string | null;
  /** The record could not be loaded and there is none to show: the page is an error. */
  isLoadError: boolean;
  /** The record is final: the view stops waiting for the server. */
  isSettled: boolean;
}

const STREAM_LABELS: Record<RunStreamState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Complete',
  failed: 'Disconnected',
};

/**
 * Derives the run view from one rule: a final record is the truth; before it arrives the stream's
 * `done` only says the run is over (its status comes with the record), and an announced shutdown
 * is said in words. A failed reload never hides a record already shown.
 */
export function runDisplayState(
  facts: RunViewFacts,
  formatTime: (iso: string) => string,
): RunDisplayState {
  const { record, recordError, result, stream, shutdown } = facts;
  const isSettled = record !== null && !isActiveStatus(record.status);
  const isOver = isSettled || result !== null;
  const status = isSettled
    ? record.status
    : result !== null
      ? result.success
        ? 'success'
        : 'Ended'
      : (record?.status ?? null);
  const exitCode = isSettled
    ? record.return_code
    : (result?.return_code ?? record?.return_code ?? null);
  let notice: string | null = null;
  if (!isSettled && result !== null) {
    notice =
      shutdown !== null || recordError !== null
        ? 'The run ended while the server stopped. This page shows its recorded outcome as soon as the server answers again.'
        : 'The run ended; loading its record…';
  } else if (!isOver && shutdown !== null) {
    notice = `The server is shutting down: if this run is still going at ${formatTime(shutdown.cancelAt)}, it is canceled.`;
  } else if (!isOver && stream === 'failed' && recordError !== null && record !== null) {
    notice = 'The server does not answer. This page shows the run again as soon as it does.';
  }
  return {
    status,
    isActive: !isOver && (record === null || isActiveStatus(record.status)),
    exitCode: exitCode ?? null,
    streamLabel: STREAM_LABELS[stream],
    notice,
    isLoadError: recordError !== null && record === null,
    isSettled,
  };
}
