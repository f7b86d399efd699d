/** Names of the server-sent events an execution stream carries, in the order they can appear. */
export type ExecuteEventName = 'stdout' | 'stderr' | 'done';

/** A streamed output line (`data` is one line including its trailing `\n`, if any). */
export interface OutputEvent {
  event: 'stdout' | 'stderr';
  /** Monotonic per-run sequence number, sent as the SSE `id:`. */
  id?: number;
  data: string;
}

/** Media type that selects the SSE answer of execute and run events. */
export type EventStreamMediaType = 'text/event-stream';
