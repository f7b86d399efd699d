import type { Redis } from 'ioredis';
import { assertRunId, DispatchError, isDispatchError } from './dispatch-error';
import {
  deliverOnce,
  type CancelChannel,
  type CancelChannelOptions,
  type CancelHandler,
  type CancelRequest,
  type CancelWatch,
} from './cancel-channel';
import {
  closeRedisClient,
  createFastRedisClient,
  createPatientRedisClient,
  whenReady,
  withTimeout,
} from './redis-connection';
import type { RedisConnection } from './redis-connection';

/** Options of `RedisCancelChannel`. */
export interface RedisCancelChannelOptions extends CancelChannelOptions {
  /** Redis URL or ioredis options. */
  connection: RedisConnection;
  /** Prefix of the channel and key names (`<prefix>cancel:<runId>`); default `runbooks:`. */
  keyPrefix?: string;
  /** How long `request` may take before CANCEL_UNAVAILABLE; default 1000 ms. */
  timeoutMs?: number;
}

/**
 * CancelChannel on Redis: `request` stores the request under `<prefix>cancel:<runId>` (expiring
 * after `pendingTtlMs`) and PUBLISHes it on the channel of the same name; the owner SUBSCRIBEs
 * to its runs' channels and, once subscribed, reads the key, so a request sent just before it
 * started watching is not missed.
 */
export class RedisCancelChannel implements CancelChannel {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<(request: CancelRequest) => void>>();
  private readonly keyPrefix: string;
  private readonly pendingTtlMs: number;
  private readonly timeoutMs: number;
  private readonly onError: (error: unknown) => void;
  private closed = false;

  constructor(options: RedisCancelChannelOptions) {
    this.keyPrefix = options.keyPrefix ?? 'runbooks:';
    this.pendingTtlMs = Math.max(1, Math.floor(options.pendingTtlMs ?? 600_000));
    this.timeoutMs = Math.max(1, options.timeoutMs ?? 1000);
    this.onError = options.onError ?? (() => undefined);
    this.commands = createFastRedisClient(options.connection, this.timeoutMs);
    this.commands.on('error', (error) => this.onError(error));
    this.subscriber = createPatientRedisClient(options.connection);
    this.subscriber.on('error', (error) => this.onError(error));
    this.subscriber.on('message', (channel: string, message: string) =>
      this.receive(channel, message),
    );
    this.subscriber.on('ready', () => void this.recheck());
  }

  /** The channel (and key) of a run's cancel requests. */
  channelOf(runId: string): string {
    return `${this.keyPrefix}cancel:${runId}`;
  }

  async request(request: CancelRequest): Promise<boolean> {
    this.assertOpen();
    assertRunId(request.runId);
    const name = this.channelOf(request.runId);
    const body = JSON.stringify({
      runId: request.runId,
      requestedBy: request.requestedBy,
      reason: request.reason,
    });
    await whenReady(this.commands, this.timeoutMs, 'CANCEL_UNAVAILABLE', 'The cancel channel');
    try {
      const replies = await withTimeout(
        this.commands.multi().set(name, body, 'PX', this.pendingTtlMs).publish(name, body).exec(),
        this.timeoutMs,
      );
      const failed = replies?.find(([error]) => error !== null)?.[0];
      if (failed) throw failed;
      return Number(replies?.[1]?.[1] ?? 0) > 0;
    } catch (error) {
      if (isDispatchError(error)) throw error;
      throw new DispatchError('CANCEL_UNAVAILABLE', 'The cancel channel is unavailable.', {
        cause: error,
      });
    }
  }

  async watch(runId: string, handler: CancelHandler): Promise<CancelWatch> {
    this.assertOpen();
    assertRunId(runId);
    const name = this.channelOf(runId);
    const deliver = deliverOnce(handler, (error) => this.onError(error));
    const handlers = this.handlers.get(name) ?? new Set();
    this.handlers.set(name, handlers);
    handlers.add(deliver);
    const close = async (): Promise<void> => {
      handlers.delete(deliver);
      if (handlers.size > 0 || this.handlers.get(name) !== handlers) return;
      this.handlers.delete(name);
      // Bounded: during an outage the unsubscribe waits for Redis, the caller need not.
      if (this.closed) return;
      await withTimeout(this.subscriber.unsubscribe(name), this.timeoutMs).catch(() => undefined);
    };
    try {
      // Once subscribed, a waiting request can only be in the key, or arrive as a message.
      await withTimeout(this.subscriber.subscribe(name), this.timeoutMs);
      await this.readPending(name);
    } catch (error) {
      // The watch stays: the subscription is restored, and the key read, once Redis is back.
      this.onError(error);
    }
    return { close };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.subscriber.disconnect();
    await closeRedisClient(this.commands);
  }

  /** After a reconnect: requests sent while the subscription was down are in their keys. */
  private async recheck(): Promise<void> {
    if (this.handlers.size === 0) return;
    try {
      // Commands on one connection run in order: after PING, the resubscriptions are in place.
      await this.subscriber.ping();
      for (const name of [...this.handlers.keys()]) await this.readPending(name);
    } catch (error) {
      this.onError(error);
    }
  }

  private async readPending(name: string): Promise<void> {
    await whenReady(this.commands, this.timeoutMs, 'CANCEL_UNAVAILABLE', 'The cancel channel');
    const waiting = await withTimeout(this.commands.get(name), this.timeoutMs);
    if (waiting !== null) this.receive(name, waiting);
  }

  private receive(channel: string, message: string): void {
    let request: CancelRequest;
    try {
      const parsed = JSON.parse(message) as Partial<CancelRequest>;
      request = {
        runId: String(parsed.runId),
        requestedBy: String(parsed.requestedBy ?? ''),
        reason: typeof parsed.reason === 'string' ? parsed.reason : null,
      };
    } catch (error) {
      this.onError(error);
      return;
    }
    for (const deliver of [...(this.handlers.get(channel) ?? [])]) deliver(request);
  }

  private assertOpen(): void {
    if (this.closed) throw new DispatchError('CANCEL_CLOSED', 'The cancel channel is closed.');
  }
}
