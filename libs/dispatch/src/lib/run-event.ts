import type { RunOperation, RunStatus } from '@runbooks/types';

/** What kind of change an event reports (playbook-dispatcher's `event_type` values). */
export type RunEventType = 'create' | 'read' | 'update' | 'delete';

/** The run as an event carries it (snake_case wire names; see docs/run-event.schema.json). */
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
}

/** One state change of a run in playbook-dispatcher's envelope; `seq` counts a run's events from 1. */
export interface RunEvent {
  event_type: RunEventType;
  /** Unique (UUID): consumers of an at-least-once feed drop repeats by it. */
  event_id: string;
  seq: number;
  payload: RunEventPayload;
}

/** Where a relay reads events: a RunStore's transactional outbox (`@runbooks/history` stores fit). */
export interface RunEventSource {
  /** The oldest unpublished events (each run's in seq order), at most `limit`. */
  readOutbox(limit?: number): Promise<RunEvent[]>;
  /** Forgets published events. */
  markPublished(eventIds: readonly string[]): Promise<number>;
}

/** Where a relay publishes events. `deliver` keeps the given order and throws when any event was not delivered. */
export interface RunEventSink {
  /** A short name for error reports (e.g. `redis-stream`, `webhook`). */
  readonly name: string;
  deliver(events: readonly RunEvent[]): Promise<void>;
  /** Releases connections (called by `EventRelay.stop` only if you ask it to). */
  close?(): Promise<void>;
}
