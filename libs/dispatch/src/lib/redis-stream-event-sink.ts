import type { Redis } from 'ioredis';
import { DispatchError } from './dispatch-error';
import {
  closeRedisClient,
  createFastRedisClient,
  whenReady,
  withTimeout,
} from './redis-connection';
import type { RedisConnection } from './redis-connection';
import type { RunEvent, RunEventSink, RunEventType } from './run-event';

/** Options of `RedisStreamEventSink`. */
export interface RedisStreamEventSinkOptions {
  /** Redis URL or ioredis options. */
  connection: RedisConnection;
  /** Stream key; default `runs.events`. */
  stream?: string;
  /** Approximate number of entries the stream keeps (`XADD MAXLEN ~`); default 100 000. */
  maxLen?: number;
  /** How long a delivery may take; default 2000 ms. */
  timeoutMs?: number;
  /** Connection errors (the next delivery reports its own failure). */
  onError?: (error: unknown) => void;
}

/**
 * Appends run events to a Redis Stream (default `runs.events`), one entry per event, in order, in
 * one MULTI per batch. Entry fields: `event_type`, `event_id`, `seq`, `run_id` (the partition key)
 * and `payload` (JSON); `decodeRunEventEntry` turns them back into the envelope.
 */
export class RedisStreamEventSink implements RunEventSink {
  readonly name = 'redis-stream';
  /** The stream key. */
  readonly stream: string;
  private readonly client: Redis;
  private readonly maxLen: number;
  private readonly timeoutMs: number;

  constructor(options: RedisStreamEventSinkOptions) {
    this.stream = options.stream ?? 'runs.events';
    this.maxLen = Math.max(1, Math.floor(options.maxLen ?? 100_000));
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 2000);
    this.client = createFastRedisClient(options.connection, this.timeoutMs);
    this.client.on('error', options.onError ?? (() => undefined));
  }

  async deliver(events: readonly RunEvent[]): Promise<void> {
    if (events.length === 0) return;
    await whenReady(this.client, this.timeoutMs, 'SINK_FAILED', 'The runs.events stream');
    const multi = this.client.multi();
    for (const event of events) {
      multi.xadd(
        this.stream,
        'MAXLEN',
        '~',
        this.maxLen,
        '*',
        'event_type',
        event.event_type,
        'event_id',
        event.event_id,
        'seq',
        String(event.seq),
        'run_id',
        event.payload.id,
        'payload',
        JSON.stringify(event.payload),
      );
    }
    let failure: unknown = null;
    try {
      const replies = await withTimeout(multi.exec(), this.timeoutMs);
      failure =
        replies === null
          ? new Error('transaction aborted')
          : (replies.find(([error]) => error !== null)?.[0] ?? null);
    } catch (error) {
      failure = error;
    }
    if (failure !== null) {
      throw new DispatchError('SINK_FAILED', 'Could not append to the events stream.', {
        cause: failure,
      });
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.client);
  }
}

const EVENT_TYPES = new Set<string>(['create', 'read', 'update', 'delete']);

/**
 * Rebuilds the envelope from the fields of a `runs.events` entry (`XREAD`/`XRANGE` give them as
 * `[name, value, name, value, …]`). Throws INVALID_EVENT on an entry that is not a run event.
 */
export function decodeRunEventEntry(fields: readonly string[]): RunEvent {
  const value = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) {
    value.set(fields[index] as string, fields[index + 1] as string);
  }
  const eventType = value.get('event_type');
  const eventId = value.get('event_id');
  const seq = Number(value.get('seq'));
  const payload = value.get('payload');
  if (
    eventType === undefined ||
    !EVENT_TYPES.has(eventType) ||
    !eventId ||
    !Number.isSafeInteger(seq) ||
    payload === undefined
  ) {
    throw new DispatchError('INVALID_EVENT', 'This stream entry is not a run event.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (error) {
    throw new DispatchError('INVALID_EVENT', 'The payload of this run event is not JSON.', {
      cause: error,
    });
  }
  return {
    event_type: eventType as RunEventType,
    event_id: eventId,
    seq,
    payload: parsed as RunEvent['payload'],
  };
}
