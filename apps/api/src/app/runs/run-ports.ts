import type { CancelChannel, OutputBus, RunQueue } from '@runbooks/dispatch';

/**
 * What a worker needs to run a run that the record does not hold: variable values and the
 * caller's token are never stored in the run store, so submission leaves them next to the job
 * (expiring), and the worker that claims the run reads them once.
 */
export interface RunRequestDetails {
  envVars: Record<string, string>;
  token: string;
  remoteIp: string;
  warnings: string[];
}

/** How a process that runs scripts takes jobs and keeps its runs alive. */
export interface WorkerSettings {
  /** Top-level runs at once (`MAX_CONCURRENT_RUNS`). */
  concurrency: number;
  /** Sub-runbook runs at once. */
  nestedConcurrency: number;
  /** Period of a running run's heartbeat. */
  heartbeatMs: number;
  /** Scripts get the kernel's parent-death signal, so they die with a worker that dies. */
  parentDeathSignal: boolean;
}

/** Short-lived values keyed by run id, shared by every process that serves the same runs. */
export interface ExpiringValues<T> {
  /** Stores a value; throws a dispatch `*_UNAVAILABLE` error when the backing service is away. */
  set(runId: string, value: T, ttlMs: number): Promise<void>;
  /** The stored value, or null when it expired or was never stored. */
  get(runId: string): Promise<T | null>;
  /** Forgets a value (never throws). */
  delete(runId: string): Promise<void>;
}

/**
 * The ports the run feature works through, whatever the mode: the embedded mode wires the
 * in-process adapters of `@runbooks/dispatch`, the distributed mode the Redis/BullMQ ones
 * (`run-ports.provider.ts` is the only place that knows which).
 */
export interface RunPorts {
  /** Top-level runs. */
  queue: RunQueue;
  /** Runs started by a running script: they never wait behind their parents. */
  nestedQueue: RunQueue;
  /** Live, resumable output and the `done` of every run. */
  bus: OutputBus;
  /** Carries a cancel to the process that runs the run. */
  cancel: CancelChannel;
  /** Request details of queued runs, for the worker that claims them. */
  requests: ExpiringValues<RunRequestDetails>;
  /** Hashes of running runs' nesting secrets (any instance can check a proof). */
  nestingHashes: ExpiringValues<string>;
  /** How this process runs scripts: null when it never does (an `api`-only instance). */
  worker: WorkerSettings | null;
  /** Checks the dispatch service answers (readiness); resolves at once in-process. */
  ping(): Promise<void>;
  /** Releases connections (shutdown). */
  close(): Promise<void>;
}

/** Injection token of {@link RunPorts}. */
export const RUN_PORTS = Symbol('RUN_PORTS');

/** Injection token of this process's worker id (`<host>-<pid>-<random>`), recorded on claimed runs. */
export const WORKER_ID = Symbol('WORKER_ID');
