import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  BullmqRunQueue,
  DispatchError,
  RedisCancelChannel,
  RedisOutputBus,
  type CancelChannel,
  type OutputBus as DispatchOutputBus,
  type RunQueue,
} from '@runbooks/dispatch';
import Redis from 'ioredis';

import { APP_CONFIG, type AppConfig, type DistributedConfig } from '../config/app-config';
import { RunStoreHolder } from './run-store.provider';

/**
 * What a worker needs to run a run that the record does not hold: variable values and the
 * caller's token are never stored in the run store, so the API leaves them in Redis next to the
 * job (expiring), and the worker that claims the run reads them once.
 */
export interface RunRequestDetails {
  envVars: Record<string, string>;
  token: string;
  remoteIp: string;
  warnings: string[];
}

/** How long request details wait for a worker (a run queued longer fails when it starts). */
const REQUEST_TTL_MS = 24 * 60 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 1000;
const LOG_REPEAT_MS = 30_000;

/** The Redis side of the distributed mode: two queues, the output bus, the cancel channel. */
export interface Dispatch {
  settings: DistributedConfig;
  /** Top-level runs (`MAX_CONCURRENT_RUNS` per worker). */
  queue: RunQueue;
  /** Runs started by a running script (they carry a recursion stack): their parent waits. */
  nestedQueue: RunQueue;
  bus: DispatchOutputBus;
  cancel: CancelChannel;
  /** Stores the details of a run for its worker; throws QUEUE_UNAVAILABLE when Redis is away. */
  saveRequest(runId: string, details: RunRequestDetails): Promise<void>;
  /** Reads the details of a run (null when they expired or were never stored). */
  loadRequest(runId: string): Promise<RunRequestDetails | null>;
  /** Removes the details of a run once it no longer needs them. */
  dropRequest(runId: string): Promise<void>;
  /** Stores the hash of a running run's nesting secret (any API instance can check a proof). */
  saveNestingHash(runId: string, hash: string, ttlMs: number): Promise<void>;
  /** The stored hash of a run's nesting secret, null when none (not running, or expired). */
  loadNestingHash(runId: string): Promise<string | null>;
  /** Forgets a run's nesting secret (the run ended). */
  dropNestingHash(runId: string): Promise<void>;
  /** Pings Redis (readiness). */
  ping(): Promise<void>;
}

/**
 * Owns the Redis adapters of `@runbooks/dispatch` in the distributed mode (`DATABASE_URL` set);
 * `dispatch` is null in the embedded mode, which keeps its in-process queue and bus.
 */
@Injectable()
export class DispatchHolder implements OnApplicationShutdown {
  private readonly logger = new Logger('Dispatch');
  /** The adapters, or null in the embedded mode. */
  readonly dispatch: Dispatch | null;
  private readonly redis: Redis | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly holder: RunStoreHolder,
  ) {
    const settings = config.distributed;
    if (!settings) {
      this.dispatch = null;
      this.redis = null;
      return;
    }
    // Connection trouble repeats every reconnect attempt: log each distinct message at most
    // once per LOG_REPEAT_MS.
    const lastLogged = new Map<string, number>();
    const onError = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const now = Date.now();
      if (now - (lastLogged.get(message) ?? 0) < LOG_REPEAT_MS) return;
      lastLogged.set(message, now);
      this.logger.warn(`Redis: ${message}`);
    };
    const connection = settings.redisUrl;
    const prefix = settings.keyPrefix;
    const redis = new Redis(connection, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: REQUEST_TIMEOUT_MS,
      retryStrategy: () => 1000,
    });
    redis.on('error', () => undefined);
    this.redis = redis;
    const requestKey = (runId: string) => `${prefix}:run:${runId}:request`;
    const nestingKey = (runId: string) => `${prefix}:run:${runId}:nesting`;
    const bounded = <T>(work: Promise<T>): Promise<T> =>
      Promise.race([
        work,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('Redis did not answer')), REQUEST_TIMEOUT_MS).unref(),
        ),
      ]).catch((error: unknown) => {
        throw new DispatchError(
          'QUEUE_UNAVAILABLE',
          `Redis is unavailable: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    this.dispatch = {
      settings,
      queue: new BullmqRunQueue({ connection, prefix, queueName: 'runs', onError }),
      nestedQueue: new BullmqRunQueue({ connection, prefix, queueName: 'runs-nested', onError }),
      bus: new RedisOutputBus({
        connection,
        keyPrefix: `${prefix}:`,
        backfill: (runId, fromSeq, limit) => this.holder.store.readOutput(runId, fromSeq, limit),
        onError,
      }),
      cancel: new RedisCancelChannel({ connection, keyPrefix: `${prefix}:`, onError }),
      saveRequest: async (runId, details) => {
        await bounded(redis.set(requestKey(runId), JSON.stringify(details), 'PX', REQUEST_TTL_MS));
      },
      loadRequest: async (runId) => {
        const text = await bounded(redis.get(requestKey(runId)));
        return text === null ? null : (JSON.parse(text) as RunRequestDetails);
      },
      dropRequest: async (runId) => {
        await redis.del(requestKey(runId)).catch(() => undefined);
      },
      saveNestingHash: async (runId, hash, ttlMs) => {
        await bounded(redis.set(nestingKey(runId), hash, 'PX', Math.max(1, Math.ceil(ttlMs))));
      },
      loadNestingHash: (runId) => bounded(redis.get(nestingKey(runId))),
      dropNestingHash: async (runId) => {
        await redis.del(nestingKey(runId)).catch(() => undefined);
      },
      ping: async () => {
        await bounded(redis.ping());
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const dispatch = this.dispatch;
    if (!dispatch) return;
    await Promise.allSettled([
      dispatch.queue.close(),
      dispatch.nestedQueue.close(),
      dispatch.bus.close(),
      dispatch.cancel.close(),
    ]);
    this.redis?.disconnect();
  }
}
