import type { RunOperation } from './history-record';
import type { RunStatus, RunTrigger } from './runs';

/** What kind of change a run event reports (playbook-dispatcher's `event_type` values). */
export type RunEventType = 'create' | 'read' | 'update' | 'delete';

/**
 * The run as an event carries it: snake_case wire names as in `GET /api/runs/{id}`, without
 * output tails and variable names (docs/run-event.schema.json).
 */
export interface RunEventPayload {
  id: string;
  runbook: string;
  operation: RunOperation;
  status: RunStatus;
  attempt: number;
  return_code: number | null;
  requested_by: string;
  correlation_id: string;
  labels: Record<string, string>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  trigger: RunTrigger;
  client: string | null;
  /** What a queued run waits for (a Concurrency limit or lock); null when not waiting. */
  waiting_for: string | null;
  /** 1 = next among the runs waiting for the same slot or lock; null when not waiting for one. */
  queue_position: number | null;
}

/**
 * One state change of a run in playbook-dispatcher's envelope, as published to the Redis Stream
 * `runs.events` and to webhooks. `seq` counts a run's events from 1 without gaps; `event_id` is
 * unique (UUID), so consumers of an at-least-once feed can drop repeats.
 */
export interface RunEvent {
  event_type: RunEventType;
  event_id: string;
  seq: number;
  payload: RunEventPayload;
}
