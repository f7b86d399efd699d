import type { RunEvent } from '@runbooks/types';

/** The run event envelope is a wire type: it lives in `@runbooks/types`. */
export type { RunEvent, RunEventPayload, RunEventType } from '@runbooks/types';

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
