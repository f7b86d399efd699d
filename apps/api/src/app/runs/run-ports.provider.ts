import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import {
  BullmqRunQueue,
  InProcessCancelChannel,
  InProcessOutputBus,
  InProcessRunQueue,
  RedisCancelChannel,
  RedisOutputBus,
  type OutputBackfill,
} from '@runbooks/dispatch';
import type { RunStore } from '@runbooks/history';
import Redis from 'ioredis';

import type { AppConfig, DistributedConfig } from '../config/app-config';
import { InMemoryValues } from './in-memory-values';
import { LeftoverRecovery } from './leftover-recovery.service';
import { RedisValues, boundedRedis } from './redis-values';
import { RequestDetailsCipher } from './request-details-cipher';
import { SealedValues } from './sealed-values';
import { RunReconciler } from './run-reconciler.service';
import { RUN_PORTS, WORKER_ID, type RunPorts, type RunRequestDetails } from './run-ports';
import { RUN_STORE } from '../history/run-store.provider';

const LOG_REPEAT_MS = 30_000;
/** Heartbeat period of a running run. */
const HEARTBEAT_MS = 10_000;
/** Lines a finished run's in-process channel keeps for replay; older ones come from the store. */
const IN_PROCESS_LINES_PER_RUN = 1000;
/**
 * Embedded mode: a sub-runbook proven to come from one of our running scripts starts at once, in
 * its parent's slot (its parent waits for it; queueing it behind other parents could deadlock).
 */
const EMBEDDED_NESTED_CONCURRENCY = Number.MAX_SAFE_INTEGER;

const text = { encode: (value: string) => value, decode: (value: string) => value };

/** Closes the dispatch adapters of a set of ports (each on its own: one failure stops nothing). */
async function closeAdapters(ports: RunPorts): Promise<void> {
  await Promise.allSettled([
    ports.queue.close(),
    ports.nestedQueue.close(),
    ports.bus.close(),
    ports.cancel.close(),
  ]);
}

/** The embedded mode: dispatch's in-process adapters, no server needed. */
function inProcessPorts(config: AppConfig, backfill: OutputBackfill): RunPorts {
  const ports: RunPorts = {
    queue: new InProcessRunQueue({ maxDeliveries: 1 }),
    nestedQueue: new InProcessRunQueue({ maxDeliveries: 1 }),
    bus: new InProcessOutputBus({ backfill, maxLinesPerRun: IN_PROCESS_LINES_PER_RUN }),
    cancel: new InProcessCancelChannel(),
    requests: new InMemoryValues<RunRequestDetails>(),
    nestingHashes: new InMemoryValues<string>(),
    worker: {
      concurrency: config.maxConcurrentRuns,
      nestedConcurrency: EMBEDDED_NESTED_CONCURRENCY,
      heartbeatMs: HEARTBEAT_MS,
      parentDeathSignal: false,
    },
    ping: () => Promise.resolve(),
    close: () => closeAdapters(ports),
  };
  return ports;
}

/** The distributed mode: BullMQ queues, Redis Streams output, Redis cancel channel and keys. */
function redisPorts(
  config: AppConfig,
  settings: DistributedConfig,
  backfill: OutputBackfill,
): RunPorts {
  const logger = new Logger('Dispatch');
  // Connection trouble repeats every reconnect attempt: log each distinct message at most once
  // per LOG_REPEAT_MS.
  const lastLogged = new Map<string, number>();
  const onError = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    if (now - (lastLogged.get(message) ?? 0) < LOG_REPEAT_MS) return;
    lastLogged.set(message, now);
    logger.warn(`Redis: ${message}`);
  };
  const connection = settings.redisUrl;
  const prefix = settings.keyPrefix;
  const redis = new Redis(connection, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => 1000,
  });
  redis.on('error', () => undefined);
  const ports: RunPorts = {
    queue: new BullmqRunQueue({ connection, prefix, queueName: 'runs', onError }),
    nestedQueue: new BullmqRunQueue({ connection, prefix, queueName: 'runs-nested', onError }),
    bus: new RedisOutputBus({ connection, keyPrefix: `${prefix}:`, backfill, onError }),
    cancel: new RedisCancelChannel({ connection, keyPrefix: `${prefix}:`, onError }),
    // Sealed: request details hold the caller's secret values and token (issue 17).
    requests: new SealedValues<RunRequestDetails>(
      new RedisValues(redis, prefix, 'request', text),
      new RequestDetailsCipher(config.runRequestKey),
    ),
    nestingHashes: new RedisValues(redis, prefix, 'nesting', text),
    worker:
      settings.role === 'api'
        ? null
        : {
            concurrency: config.maxConcurrentRuns,
            nestedConcurrency: settings.maxConcurrentNestedRuns,
            // At least 3 heartbeats per LOST_AFTER_SECONDS.
            heartbeatMs: Math.min(HEARTBEAT_MS, (settings.lostAfterSeconds * 1000) / 3),
            // A worker's scripts must die with it (its runs are then `lost`, never run twice):
            // the kernel's parent-death signal on zsh, on top of the orphan watchdog.
            parentDeathSignal: true,
          },
    ping: async () => {
      await boundedRedis(redis.ping());
    },
    close: async () => {
      await closeAdapters(ports);
      redis.disconnect();
    },
  };
  return ports;
}

/** Releases the ports' connections when the application shuts down. */
@Injectable()
export class RunPortsLifetime implements OnApplicationShutdown {
  constructor(@Inject(RUN_PORTS) private readonly ports: RunPorts) {}

  async onApplicationShutdown(): Promise<void> {
    await this.ports.close();
  }
}

/**
 * The one place that knows the mode: the ports' adapters, the worker id, and the services only
 * one mode has (the reconciler leader in the distributed mode; the boot recovery of leftovers in
 * the embedded mode, where this process owns every run).
 */
export function runPortsProviders(config: AppConfig): Provider[] {
  const settings = config.distributed;
  return [
    {
      provide: RUN_PORTS,
      inject: [RUN_STORE],
      useFactory: (store: RunStore): RunPorts => {
        const backfill: OutputBackfill = (runId, fromSeq, limit) =>
          store.readOutput(runId, fromSeq, limit);
        return settings ? redisPorts(config, settings, backfill) : inProcessPorts(config, backfill);
      },
    },
    RunPortsLifetime,
    {
      provide: WORKER_ID,
      useValue: `${settings ? hostname() : 'api'}-${process.pid}-${randomUUID().slice(0, 8)}`,
    },
    settings ? RunReconciler : LeftoverRecovery,
  ];
}
