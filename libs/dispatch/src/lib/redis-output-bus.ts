import type { ExecuteResult } from '@runbooks/types';
import type { Redis } from 'ioredis';
import { assertRunId, DispatchError, isDispatchError } from './dispatch-error';
import { assertLine } from './in-process-output-bus';
import type {
  OutputBus,
  OutputBusOptions,
  OutputLineInput,
  OutputSubscription,
  RunSignal,
  RunSignalListener,
} from './output-bus';
import {
  closeRedisClient,
  createFastRedisClient,
  createPatientRedisClient,
  whenReady,
  withTimeout,
} from './redis-connection';
import type { RedisConnection } from './redis-connection';
import { RunSignalCursor } from './run-signal-cursor';

/** Options of `RedisOutputBus`. */
export interface RedisOutputBusOptions extends OutputBusOptions {
  /** Redis URL or ioredis options. */
  connection: RedisConnection;
  /** Prefix of the bus's keys (`<prefix>run:<id>:output`); default `runbooks:`. */
  keyPrefix?: string;
  /** Approximate number of entries a run's stream keeps (`XADD MAXLEN ~`); default 10 000. */
  maxLinesPerRun?: number;
  /** Expiry of a running run's stream, renewed by every publish; default 24 h. */
  ttlMs?: number;
  /** Expiry of a stream once its run completed; default 1 h. */
  completedTtlMs?: number;
  /** How long `publish`/`complete` may take before BUS_UNAVAILABLE; default 1000 ms. */
  publishTimeoutMs?: number;
  /** Longest wait of one `XREAD BLOCK` (new subscriptions also wake it at once); default 1000 ms. */
  blockMs?: number;
}

/** Stream ids: output line n is `0-n`; the end of the run is `1-0`, after any line. */
const DONE_ID = '1-0';
const READ_COUNT = 500;

interface Subscriber {
  cursor: RunSignalCursor;
  /** Last stream id this subscriber has been offered. */
  position: StreamId;
}

type StreamId = [number, number];

/**
 * OutputBus on Redis Streams: one stream per run whose entry ids are the line sequence numbers
 * (`XADD key 0-<seq>`), so `Last-Event-ID` is a stream position, a repeated publish is refused by
 * Redis itself, and any process can replay (`XREAD` from `0-<afterSeq>`) then follow live
 * (`XREAD BLOCK`). One blocking connection per bus serves all its subscriptions.
 */
export class RedisOutputBus implements OutputBus {
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly keyPrefix: string;
  private readonly maxLines: number;
  private readonly ttlMs: number;
  private readonly completedTtlMs: number;
  private readonly timeoutMs: number;
  private readonly blockMs: number;
  private readonly onError: (error: unknown) => void;
  private readerId: number | null = null;
  private blocking = false;
  /** Subscriptions added so far; each one's number tells whether a read already includes it. */
  private subscriptionCount = 0;
  /** `subscriptionCount` when the read in flight was built: it covers subscriptions up to it. */
  private readCovers = 0;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private closed = false;
  private markClosed: () => void = () => undefined;
  /** Settles on `close`: the read loop stops waiting for a reader that may never answer. */
  private readonly closing = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(private readonly options: RedisOutputBusOptions) {
    this.keyPrefix = options.keyPrefix ?? 'runbooks:';
    this.maxLines = Math.max(1, Math.floor(options.maxLinesPerRun ?? 10_000));
    this.ttlMs = Math.max(1, Math.floor(options.ttlMs ?? 24 * 3600 * 1000));
    this.completedTtlMs = Math.max(1, Math.floor(options.completedTtlMs ?? 3600 * 1000));
    this.timeoutMs = Math.max(1, options.publishTimeoutMs ?? 1000);
    this.blockMs = Math.max(1, Math.floor(options.blockMs ?? 1000));
    this.onError = options.onError ?? (() => undefined);
    this.writer = createFastRedisClient(options.connection, this.timeoutMs, {
      enableAutoPipelining: true,
    });
    this.writer.on('error', (error) => this.onError(error));
    this.reader = createPatientRedisClient(options.connection);
    this.reader.on('error', (error) => this.onError(error));
    this.reader.on('ready', () => (this.readerId = null));
  }

  /** The Redis key of a run's stream. */
  streamKey(runId: string): string {
    return `${this.keyPrefix}run:${runId}:output`;
  }

  async publish(runId: string, input: OutputLineInput): Promise<number> {
    this.assertOpen();
    assertRunId(runId);
    assertLine(input);
    const key = this.streamKey(runId);
    const id = input.seq === undefined ? '0-*' : `0-${input.seq}`;
    const results = await this.write(async () => {
      const replies = await this.writer
        .multi()
        .xadd(key, 'MAXLEN', '~', this.maxLines, id, 's', input.stream, 'd', input.data)
        .pexpire(key, this.ttlMs)
        .exec();
      return replies ?? [];
    });
    const [added] = results;
    if (added?.[0]) {
      if (isIdTooSmall(added[0]) && input.seq !== undefined) return input.seq;
      if (isIdTooSmall(added[0])) return this.lastSeq(key);
      throw this.unavailable(added[0]);
    }
    return parseId(String(added?.[1]))[1];
  }

  async complete(
    runId: string,
    result: ExecuteResult,
    options: { lastSeq?: number } = {},
  ): Promise<void> {
    this.assertOpen();
    assertRunId(runId);
    const key = this.streamKey(runId);
    const lastSeq = options.lastSeq ?? (await this.lastSeq(key));
    const results = await this.write(async () => {
      const replies = await this.writer
        .multi()
        .xadd(key, DONE_ID, 'k', 'done', 'r', JSON.stringify(result), 'l', String(lastSeq))
        .pexpire(key, this.completedTtlMs)
        .exec();
      return replies ?? [];
    });
    const error = results[0]?.[0];
    if (error && !isIdTooSmall(error)) throw this.unavailable(error);
  }

  subscribe(runId: string, afterSeq: number, listener: RunSignalListener): OutputSubscription {
    this.assertOpen();
    assertRunId(runId);
    const subscribers = this.subscribers.get(runId) ?? new Set<Subscriber>();
    this.subscribers.set(runId, subscribers);
    const subscriber: Subscriber = {
      position: [0, Math.max(0, Math.floor(afterSeq))],
      cursor: new RunSignalCursor(
        runId,
        afterSeq,
        listener,
        this.options.backfill,
        this.onError,
        () => {
          subscribers.delete(subscriber);
          if (subscribers.size === 0 && this.subscribers.get(runId) === subscribers) {
            this.subscribers.delete(runId);
          }
        },
        // Caught up after holding back: include it in the reads again, at once.
        { onIdle: () => this.wake((this.subscriptionCount += 1)) },
      ),
    };
    subscribers.add(subscriber);
    this.subscriptionCount += 1;
    this.loop ??= this.readLoop();
    this.wake(this.subscriptionCount);
    return { close: () => subscriber.cursor.close() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscribers of this.subscribers.values()) {
      for (const subscriber of subscribers) subscriber.cursor.close();
    }
    this.subscribers.clear();
    this.markClosed();
    this.wakeUp?.();
    this.reader.disconnect();
    await this.loop;
    await closeRedisClient(this.writer);
  }

  /** Reads every subscribed stream from its subscribers' positions, forever. */
  private async readLoop(): Promise<void> {
    while (!this.closed) {
      // Listeners that keep up finish their deliveries within this turn; the others are
      // holding back (back-pressure) and are left out of the read until they catch up.
      if (this.hasBusySubscriber()) await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.closed) return;
      if (this.readySubscribers().size === 0) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        this.wakeUp = null;
        continue;
      }
      let runIds: string[] = [];
      let readers = new Map<string, Subscriber[]>();
      let reply: unknown;
      try {
        this.readerId ??= Number(await this.untilClosed(this.reader.client('ID')));
        // From here to the XREAD call nothing awaits: a subscription added (or caught up)
        // later finds `blocking` set and wakes the XREAD that does not include it yet.
        readers = this.readySubscribers();
        runIds = [...readers.keys()];
        if (runIds.length === 0) continue;
        this.readCovers = this.subscriptionCount;
        const positions = runIds.map((runId) => readPosition(readers.get(runId) ?? []));
        this.blocking = true;
        reply = await this.untilClosed(
          this.reader.xread(
            'COUNT',
            READ_COUNT,
            'BLOCK',
            this.blockMs,
            'STREAMS',
            ...runIds.map((runId) => this.streamKey(runId)),
            ...positions,
          ),
        );
      } catch (error) {
        if (this.closed) return;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      } finally {
        this.blocking = false;
      }
      for (const [key, entries] of (reply ?? []) as [string, [string, string[]][]][]) {
        const runId = runIds.find((candidate) => this.streamKey(candidate) === key);
        if (runId === undefined) continue;
        try {
          dispatch(entries, readers.get(runId) ?? []);
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }

  /** `command`, or null as soon as the bus closes (a reader during an outage never answers). */
  private untilClosed<T>(command: Promise<T>): Promise<T | null> {
    command.catch(() => undefined);
    return Promise.race([command, this.closing.then(() => null)]);
  }

  /** Subscribers able to take more, by run: not over, and done with what they were offered. */
  private readySubscribers(): Map<string, Subscriber[]> {
    const ready = new Map<string, Subscriber[]>();
    for (const [runId, subscribers] of this.subscribers) {
      const idle = [...subscribers].filter(({ cursor }) => cursor.isIdle && !cursor.isOver);
      if (idle.length > 0) ready.set(runId, idle);
    }
    return ready;
  }

  private hasBusySubscriber(): boolean {
    for (const subscribers of this.subscribers.values()) {
      for (const { cursor } of subscribers) if (!cursor.isIdle) return true;
    }
    return false;
  }

  /**
   * Makes the read loop include subscription number `subscription` at once: wakes an idle loop,
   * or interrupts a blocked XREAD that was built before it (retried once: the XREAD may not have
   * reached Redis yet). A loop that is not blocked builds its next XREAD with it anyway, and an
   * XREAD built after it is left alone (an interrupt would only cost another round trip).
   */
  private wake(subscription: number): void {
    this.wakeUp?.();
    const unblock = (): boolean => {
      if (!this.blocking || this.readCovers >= subscription || this.closed) return false;
      if (this.readerId !== null) {
        this.writer.client('UNBLOCK', this.readerId).catch(() => undefined);
      }
      return true;
    };
    if (unblock()) setTimeout(unblock, 25).unref();
  }

  private async lastSeq(key: string): Promise<number> {
    const entries = (await this.write(() =>
      this.writer.xrevrange(key, '(1-0', '-', 'COUNT', 1),
    )) as [string, string[]][];
    const top = entries[0];
    return top === undefined ? 0 : parseId(top[0])[1];
  }

  /** Runs a writer command within the timeout; connection failures are BUS_UNAVAILABLE. */
  private async write<T>(command: () => Promise<T>): Promise<T> {
    await whenReady(this.writer, this.timeoutMs, 'BUS_UNAVAILABLE', 'The output bus');
    try {
      return await withTimeout(command(), this.timeoutMs);
    } catch (error) {
      throw isDispatchError(error) ? error : this.unavailable(error);
    }
  }

  private unavailable(cause: unknown): DispatchError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new DispatchError('BUS_UNAVAILABLE', `The output bus is unavailable: ${reason}`, {
      cause,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new DispatchError('BUS_CLOSED', 'The output bus is closed.');
  }
}

/** The id to read a run's stream after: the least advanced of the subscribers reading it. */
function readPosition(subscribers: Subscriber[]): string {
  let least: StreamId | null = null;
  for (const subscriber of subscribers) {
    if (least === null || compareIds(subscriber.position, least) < 0) least = subscriber.position;
  }
  return least === null ? '0-0' : `${least[0]}-${least[1]}`;
}

/** Offers a read's entries to the subscribers it was made for (each from its own position). */
function dispatch(entries: [string, string[]][], subscribers: Subscriber[]): void {
  for (const [rawId, fields] of entries) {
    const id = parseId(rawId);
    const signal = toSignal(id, fields);
    for (const subscriber of subscribers) {
      if (subscriber.cursor.isOver || compareIds(id, subscriber.position) <= 0) continue;
      subscriber.position = id;
      if (signal !== null) subscriber.cursor.offer(signal);
    }
  }
}

function isIdTooSmall(error: Error): boolean {
  return /equal or smaller than the target stream top item/.test(error.message);
}

function parseId(id: string): StreamId {
  const [ms, seq] = id.split('-');
  return [Number(ms), Number(seq)];
}

function compareIds(a: StreamId, b: StreamId): number {
  return a[0] === b[0] ? a[1] - b[1] : a[0] - b[0];
}

function toSignal(id: StreamId, fields: string[]): RunSignal | null {
  const value = (name: string): string | undefined => {
    for (let index = 0; index + 1 < fields.length; index += 2) {
      if (fields[index] === name) return fields[index + 1];
    }
    return undefined;
  };
  if (id[0] === 0) {
    const stream = value('s');
    const data = value('d');
    if ((stream !== 'stdout' && stream !== 'stderr') || data === undefined) return null;
    return { kind: 'output', line: { seq: id[1], stream, data } };
  }
  const result = value('r');
  if (value('k') !== 'done' || result === undefined) return null;
  try {
    return {
      kind: 'done',
      result: JSON.parse(result) as ExecuteResult,
      lastSeq: Number(value('l') ?? 0) || 0,
    };
  } catch {
    return null;
  }
}
