import type { RunApproval, RunEvent, RunOperation, RunStatus, RunTrigger } from '@runbooks/types';

/** The run event envelope is a wire type: it lives in `@runbooks/types`. */
export type { RunEvent, RunEventPayload, RunEventType } from '@runbooks/types';

/** A run record as the store keeps it (camelCase; `toWire` gives the snake_case API shape). */
export interface Run {
  id: string;
  /** Runbook file name, e.g. `deploy.md`. */
  runbook: string;
  status: RunStatus;
  operation: RunOperation;
  returnCode: number | null;
  requestedBy: string;
  roles: string[];
  correlationId: string;
  recursionStack: string[];
  labels: Record<string, string>;
  /** Names of the variables the caller supplied; values are never stored. */
  envVarNames: string[];
  /** ISO-8601 UTC timestamps with millisecond precision (`YYYY-MM-DDTHH:MM:SS.mmmZ`). */
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** Fencing token: 0 when created, incremented by every `claim`. */
  attempt: number;
  /** Who holds the current attempt (set by `claim`). */
  workerId: string | null;
  /** Last sign of life of the current attempt (set by `claim` and `heartbeat`). */
  heartbeatAt: string | null;
  /** Capped tails (the END) of the run's output. */
  stdout: string;
  stderr: string;
  errors: string[];
  warnings: string[];
  canceledBy: string | null;
  cancelReason: string | null;
  /** What started the run. */
  trigger: RunTrigger;
  /** The MCP client as `<name>/<version>`; null for other triggers. */
  client: string | null;
  /** Hex SHA-256 of the runbook before its History when requested (null for older runs). */
  runbookSha256: string | null;
  /** The approval state (wire shape); null for runs without an Approval gate. */
  approval: RunApproval | null;
  /** The Concurrency slots and locks the run holds while it runs (empty: none). */
  slots: RunSlot[];
  /** Why a queued run has not started yet; null when it is not waiting. */
  waitingFor: string | null;
  /** 1 = next among the runs waiting for the same slot; null when not waiting for one. */
  queuePosition: number | null;
  /** The fire time of a run started by a schedule (ISO-8601 UTC); null for other triggers. */
  scheduledFor: string | null;
  /** True for the run a schedule made up for fires missed while no scheduler was up. */
  missed: boolean;
}

/**
 * One Concurrency slot a run needs: at most `limit` runs holding `key` run at once, and waiting
 * runs take it in request order. A runbook's limit is `limit:<runbook>` (plus `=<value>` of its
 * key variable), a named lock `lock:<name>` with limit 1.
 */
export interface RunSlot {
  /** What the slot is, e.g. `lock:prod-db` or `limit:Deploy.md:TARGET_ENV=prod` (1-300 chars). */
  key: string;
  /** Runs holding the slot at once (1-100). */
  limit: number;
  /** How a waiting run names it, e.g. `lock prod-db` (1-300 chars). */
  label: string;
}

/** What `create` needs: the run as requested, before anything forks. */
export interface NewRun {
  /** Defaults to a random UUID. */
  id?: string;
  runbook: string;
  operation?: RunOperation;
  /** `queued` (default) or `denied` for an RBAC refusal recorded without running. */
  status?: Extract<RunStatus, 'queued' | 'denied'>;
  requestedBy: string;
  roles?: string[];
  /** Defaults to the run id. */
  correlationId?: string;
  recursionStack?: string[];
  labels?: Record<string, string>;
  /** Variable NAMES only (`FOO`); a name containing `=` is rejected so values cannot leak in. */
  envVarNames?: string[];
  /** Defaults to the store clock. */
  createdAt?: string | Date;
  /** For denied runs: defaults to `createdAt`. */
  finishedAt?: string | Date;
  returnCode?: number | null;
  stdout?: string;
  stderr?: string;
  errors?: string[];
  warnings?: string[];
  /** Defaults to `api`. */
  trigger?: RunTrigger;
  /** The MCP client (`<name>/<version>`, at most 200 characters); defaults to null. */
  client?: string | null;
  /** 64 lowercase hex characters, or null (default). */
  runbookSha256?: string | null;
  /** Concurrency slots (at most 50): the run is claimed only when it may take all of them. */
  slots?: RunSlot[];
  /**
   * The fire time, required with trigger `schedule` and only then. A second run for the same
   * runbook and fire time is refused with FIRE_EXISTS (one run per fire, whoever inserts first).
   */
  scheduledFor?: string | Date | null;
  /** Only with trigger `schedule`; defaults to false. */
  missed?: boolean;
}

/** Options of `listFires`. */
export interface ListFiresOptions {
  /** Only runs in these statuses. */
  statuses?: readonly RunStatus[];
  /** Earliest fire first (default: latest first). */
  oldestFirst?: boolean;
  /** Default 10, at most 1000. */
  limit?: number;
}

/** Fields a transition may set alongside the new status (omitted fields stay as they are). */
export interface RunPatch {
  returnCode?: number | null;
  /** Defaults to now when moving to `running` and not yet started. */
  startedAt?: string | Date | null;
  /** Defaults to now when moving to a terminal status. */
  finishedAt?: string | Date | null;
  /** Replaces the tail (capped by the store). */
  stdout?: string;
  stderr?: string;
  errors?: string[];
  warnings?: string[];
  canceledBy?: string | null;
  cancelReason?: string | null;
  /** Replaces the approval state. */
  approval?: RunApproval | null;
}

/** Why a fenced transition did not apply. */
export type TransitionRefusal = 'RUN_NOT_FOUND' | 'STALE_ATTEMPT' | 'STATUS_MISMATCH';

/** Outcome of a fenced transition: the updated run, or why nothing changed and the run as it is. */
export type TransitionResult =
  { applied: true; run: Run } | { applied: false; reason: TransitionRefusal; run: Run | null };

/** Filters of `list`; all given filters are ANDed. */
export interface RunFilter {
  runbook?: string;
  status?: RunStatus | readonly RunStatus[];
  requestedBy?: string;
  /** key → value; several pairs are ANDed. The first pair drives the query: put the rarest first. */
  labels?: Record<string, string>;
  /** Inclusive lower bound on `createdAt`. */
  createdFrom?: string | Date;
  /** Exclusive upper bound on `createdAt`. */
  createdTo?: string | Date;
}

/** Keyset page request: `cursor` is the `nextCursor` of the previous page. */
export interface PageRequest {
  /** 1..500, default 50. */
  limit?: number;
  cursor?: string | null;
  /**
   * Default true. False leaves `stdout`/`stderr` out of the query (returned as empty strings): a
   * list view does not need up to 2 × tailBytes per row.
   */
  includeOutput?: boolean;
}

/** One page of runs, newest first (ties broken by id, descending). */
export interface RunPage {
  items: Run[];
  /** Opaque cursor of the next page, or null on the last page. */
  nextCursor: string | null;
}

/** Which output stream a chunk came from. */
export type OutputStream = 'stdout' | 'stderr';

/** A chunk of output as appended by the executor. */
export interface OutputChunkInput {
  stream: OutputStream;
  data: string;
}

/** A stored chunk: `seq` counts from 1 per run, in append order. */
export interface OutputChunk extends OutputChunkInput {
  seq: number;
}

/** A queued run with Concurrency slots, as the latest review of the waiting line left it. */
export interface WaitingRun {
  id: string;
  runbook: string;
  /** The run's attempt so far (its next job is for attempt + 1). */
  attempt: number;
  /** The first slot it waits for, or null when it may start now. */
  waitingFor: string | null;
  queuePosition: number | null;
  /** The run's recursion stack (which queue a startable run goes to). */
  recursionStack: string[];
}

/** Options of `claim`. */
export interface ClaimOptions {
  /** Who takes the run (worker/process id), stored as `workerId`. */
  workerId: string;
}

/** Options of `listByStatus` (what a reconciler looks for). */
export interface ListByStatusOptions {
  /** Only runs whose heartbeat (or, without one, creation) is older than this. */
  heartbeatBefore?: string | Date;
  /** Only runs that started before this (deadline checks); runs never started are left out. */
  startedBefore?: string | Date;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** Options of `appendOutput`. */
export interface AppendOutputOptions {
  /** When given, the append is fenced: it fails with STALE_ATTEMPT unless the run has this attempt. */
  attempt?: number;
}

/**
 * Port for run records: the queryable history of every run. A run is a record before it is a
 * process: `create` it, `claim` it (attempt + 1), then move it with fenced `transition`s.
 */
export interface RunStore {
  /** Inserts a new run (`queued` or `denied`); throws RUN_EXISTS / INVALID_RUN. */
  create(run: NewRun): Promise<Run>;
  /** The run with this id, or null. */
  get(id: string): Promise<Run | null>;
  /** A page of runs matching `filter`, newest first; throws INVALID_CURSOR / INVALID_FILTER. */
  list(filter?: RunFilter, page?: PageRequest): Promise<RunPage>;
  /**
   * Moves a run to `to` only if it still has `attempt` and its status is in `from` (one atomic
   * conditional update). Terminal statuses are final; `to` may not be `queued`.
   */
  transition(
    id: string,
    attempt: number,
    from: readonly RunStatus[],
    to: RunStatus,
    patch?: RunPatch,
  ): Promise<TransitionResult>;
  /**
   * Takes a `queued` run for execution: status `running`, attempt + 1, heartbeat now. Returns the
   * claimed run, or null when it is missing or no longer queued (a duplicate delivery must not run).
   */
  claim(id: string, options: ClaimOptions): Promise<Run | null>;
  /**
   * Reviews every queued run with Concurrency slots at once (atomically with claims): records on
   * each its `waitingFor`/`queuePosition` (null for the runs that may start now) and returns them,
   * in request order. A run with slots is claimed only when this review would let it start.
   */
  reviewWaiting(): Promise<WaitingRun[]>;
  /**
   * Notes why a queued run that waits for no slot has not started (e.g. the server-wide limit of
   * concurrent runs): sets `waitingFor` (position null) unless it already waits for something.
   * False when the run is not queued or already says why; a claim clears it.
   */
  noteWaiting(id: string, waitingFor: string): Promise<boolean>;
  /**
   * Gives a `running` run back to the queue (a retry after its worker was lost): `queued`, no
   * worker, heartbeat now, `errors` replaced when given; fenced on `attempt` like a transition, so
   * the old worker is fenced out. The next `claim` makes attempt + 1.
   */
  requeue(id: string, attempt: number, patch?: { errors?: string[] }): Promise<TransitionResult>;
  /**
   * Records an approval decision of a `pending_approval` run: replaces its approval state with
   * `next` and moves it to `to` (`pending_approval` while approvals are missing, `queued` once
   * they are all there), only if its approval state is still exactly `expected` (compare and
   * set): of two deciders at the same moment one applies, the other re-reads and decides again.
   */
  decideApproval(
    id: string,
    expected: RunApproval,
    next: RunApproval,
    to: Extract<RunStatus, 'pending_approval' | 'queued'>,
  ): Promise<TransitionResult>;
  /** Records a sign of life; false means the caller lost the run (fenced out) and must stop. */
  heartbeat(id: string, attempt: number): Promise<boolean>;
  /** Runs a schedule started for `runbook`, ordered by fire time (see {@link ListFiresOptions}). */
  listFires(runbook: string, options?: ListFiresOptions): Promise<Run[]>;
  /** Runs in the given statuses, oldest heartbeat first (for reconcilers). */
  listByStatus(statuses: readonly RunStatus[], options?: ListByStatusOptions): Promise<Run[]>;
  /** Appends output chunks (numbered from 1) and updates the run's capped tails. */
  appendOutput(
    id: string,
    chunks: readonly OutputChunkInput[],
    options?: AppendOutputOptions,
  ): Promise<OutputChunk[]>;
  /** Output chunks with `seq >= fromSeq` (default 1), in order, at most `limit` (default 1000). */
  readOutput(id: string, fromSeq?: number, limit?: number): Promise<OutputChunk[]>;
  /** Releases the store's resources; later calls throw STORE_CLOSED. */
  close(): Promise<void>;
}

/**
 * Read side of the transactional outbox: every state change (create, claim, transition) writes
 * its event in the same transaction; a relay reads them in order and removes what it published.
 */
export interface RunEventOutbox {
  /** The oldest unpublished events, at most `limit` (default 100, at most 1000); per run in `seq` order. */
  readOutbox(limit?: number): Promise<RunEvent[]>;
  /** Removes published events from the outbox; returns how many were removed. */
  markPublished(eventIds: readonly string[]): Promise<number>;
}
