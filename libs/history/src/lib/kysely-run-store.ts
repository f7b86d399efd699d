import { randomUUID } from 'node:crypto';
import type { RunApproval, RunStatus } from '@runbooks/types';
import { sql } from 'kysely';
import type {
  Kysely,
  QueryCreator,
  Transaction,
  Updateable,
  UpdateQueryBuilder,
  UpdateResult,
} from 'kysely';
import { capUtf8Tail } from './cap-utf8-tail';
import { HistoryError } from './history-error';
import { isTerminalStatus } from './run-status';
import { insertEvent } from './run-event-payload';
import { assertStatus, assertTransition, optionalIso, stringList, toIso } from './run-field-checks';
import { listRuns } from './run-list-query';
import { newRunRow } from './new-run-row';
import { appendRunOutput, INSERT_BATCH_ROWS, readRunOutput } from './run-output-rows';
import { readOutputTails } from './run-output-tails';
import type { OutputTails } from './run-output-tails';
import { rowToRun } from './run-row';
import { decideSlots } from './slot-claims';
import type { RunRow } from './run-row';
import type {
  AppendOutputOptions,
  ClaimOptions,
  ListByStatusOptions,
  ListFiresOptions,
  NewRun,
  OutputChunk,
  OutputChunkInput,
  PageRequest,
  Run,
  RunEvent,
  RunEventOutbox,
  RunEventType,
  RunFilter,
  RunPage,
  RunPatch,
  RunStore,
  TransitionResult,
  WaitingRun,
} from './run-store';
import type { RunDatabase, RunsTable } from './run-store-schema';

/** Default size of the stdout/stderr tails kept on a run record (64 KiB each). */
export const DEFAULT_TAIL_BYTES = 64 * 1024;
/** Default of `KyselyRunStoreOptions.labelHitsCap`. */
const LABEL_HITS_CAP = 2000;

/** Options shared by every Kysely-backed RunStore. */
export interface KyselyRunStoreOptions {
  /** Byte cap of each stdout/stderr tail kept on the record (keeps the END); default 64 KiB. */
  tailBytes?: number;
  /** Clock used for timestamps; default `() => new Date()`. */
  now?: () => Date;
  /** Id generator for runs created without an id; default `crypto.randomUUID`. */
  newId?: () => string;
  /**
   * Query planning of labelled pages: a label with fewer matches than this walks its own index;
   * a more common one lets a runbook/user/status index drive. Default 2000.
   */
  labelHitsCap?: number;
  /**
   * Transactional outbox: every create, claim and applied transition also writes a `RunEvent`
   * in the same transaction, for a relay to publish (`readOutbox`/`markPublished`). Default off.
   */
  outbox?: boolean;
}

/** A conditional update of one run, before its `RETURNING`. */
export type RunUpdate = UpdateQueryBuilder<RunDatabase, 'runs', 'runs', UpdateResult>;

/**
 * RunStore over any Kysely database holding the `RunDatabase` schema. All SQL here is portable
 * (conditional `UPDATE … RETURNING`, `ON CONFLICT DO NOTHING`, row-value keyset comparisons), so the
 * SQLite and PostgreSQL adapters share this class and the contract suite. An adapter may write a
 * state change and its outbox event its own way by overriding `insertRun` and `updateWithEvent`
 * (PostgreSQL does both in one statement).
 */
export class KyselyRunStore implements RunStore, RunEventOutbox {
  /** Whether state changes write outbox events (`KyselyRunStoreOptions.outbox`). */
  readonly outbox: boolean;
  private readonly tailBytes: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly labelHitsCap: number;
  private closed = false;

  constructor(
    protected readonly db: Kysely<RunDatabase>,
    options: KyselyRunStoreOptions = {},
  ) {
    this.tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.labelHitsCap = Math.max(1, Math.floor(options.labelHitsCap ?? LABEL_HITS_CAP));
    this.outbox = options.outbox ?? false;
  }

  async create(input: NewRun): Promise<Run> {
    this.assertOpen();
    const row = newRunRow(input, {
      newId: this.newId,
      now: this.now,
      tailBytes: this.tailBytes,
    });
    const run = rowToRun(row);
    const inserted = await this.insertRun(row, run);
    if (!inserted) {
      // Nothing was inserted: the id is taken, or (for a scheduled run) its fire is.
      if (row.scheduled_for !== null && !(await this.get(row.id))) {
        throw new HistoryError(
          'FIRE_EXISTS',
          `${row.runbook} already has a run for the fire at ${row.scheduled_for}.`,
        );
      }
      throw new HistoryError('RUN_EXISTS', `A run with id ${row.id} already exists.`);
    }
    return run;
  }

  async listFires(runbook: string, options: ListFiresOptions = {}): Promise<Run[]> {
    this.assertOpen();
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 10), 1), 1000);
    let query = this.db
      .selectFrom('runs')
      .selectAll()
      .where('runbook', '=', runbook)
      .where('scheduled_for', 'is not', null);
    if (options.statuses !== undefined) {
      if (options.statuses.length === 0) return [];
      for (const status of options.statuses) assertStatus(status, 'INVALID_FILTER');
      query = query.where('status', 'in', [...options.statuses]);
    }
    const order = options.oldestFirst === true ? 'asc' : 'desc';
    const rows = await query.orderBy('scheduled_for', order).limit(limit).execute();
    return rows.map(rowToRun);
  }

  /**
   * Inserts a new run, its labels and (outbox on) its `create` event in one transaction; false
   * when a run with that id exists (then nothing is written).
   */
  protected async insertRun(row: RunRow, run: Run): Promise<boolean> {
    const labels = Object.entries(run.labels);
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('runs')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (labels.length > 0) {
        await trx
          .insertInto('run_labels')
          .values(
            labels.map(([key, value]) => ({
              run_id: row.id,
              key,
              value,
              created_at: row.created_at,
            })),
          )
          .execute();
      }
      if (this.outbox) await insertEvent(trx, 'create', row, row.created_at);
      return true;
    });
  }

  async get(id: string): Promise<Run | null> {
    this.assertOpen();
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : this.withLiveTails(rowToRun(row));
  }

  /**
   * An unfinished run's output tails: what the record held when created, then its stored output
   * (appending output does not rewrite the record's tails; a final transition does).
   */
  private async withLiveTails(run: Run): Promise<Run> {
    if (isTerminalStatus(run.status)) return run;
    return { ...run, ...(await this.liveTails(run.id, run)) };
  }

  private async liveTails(id: string, stored: OutputTails): Promise<OutputTails> {
    const output = await readOutputTails(this.db, id, this.tailBytes);
    return {
      stdout: capUtf8Tail(stored.stdout + output.stdout, this.tailBytes),
      stderr: capUtf8Tail(stored.stderr + output.stderr, this.tailBytes),
    };
  }

  async list(filter: RunFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    this.assertOpen();
    const result = await listRuns(this.db, filter, page, this.labelHitsCap);
    if (page.includeOutput === false) return result;
    return {
      ...result,
      items: await Promise.all(result.items.map((run) => this.withLiveTails(run))),
    };
  }

  async transition(
    id: string,
    attempt: number,
    from: readonly RunStatus[],
    to: RunStatus,
    patch: RunPatch = {},
  ): Promise<TransitionResult> {
    this.assertOpen();
    assertTransition(from, to);
    const now = this.now().toISOString();
    // A run that leaves `queued` waits for nothing any more.
    const set: Updateable<RunsTable> = {
      status: to,
      updated_at: now,
      waiting_for: null,
      queue_position: null,
    };
    if (patch.returnCode !== undefined) set.return_code = patch.returnCode;
    if (patch.startedAt !== undefined)
      set.started_at = optionalIso(patch.startedAt, 'startedAt', 'INVALID_RUN');
    if (patch.finishedAt !== undefined) {
      set.finished_at = optionalIso(patch.finishedAt, 'finishedAt', 'INVALID_RUN');
    } else if (isTerminalStatus(to)) {
      set.finished_at = now;
    }
    if (patch.stdout !== undefined) set.stdout = capUtf8Tail(patch.stdout, this.tailBytes);
    if (patch.stderr !== undefined) set.stderr = capUtf8Tail(patch.stderr, this.tailBytes);
    if (isTerminalStatus(to) && (patch.stdout === undefined || patch.stderr === undefined)) {
      // The record keeps the tails from now on; until now they lived in the output rows.
      const stored = await this.db
        .selectFrom('runs')
        .select(['stdout', 'stderr'])
        .where('id', '=', id)
        .executeTakeFirst();
      const tails = await this.liveTails(id, stored ?? { stdout: '', stderr: '' });
      set.stdout ??= tails.stdout;
      set.stderr ??= tails.stderr;
    }
    if (patch.errors !== undefined) set.errors = JSON.stringify(stringList(patch.errors, 'errors'));
    if (patch.warnings !== undefined)
      set.warnings = JSON.stringify(stringList(patch.warnings, 'warnings'));
    if (patch.canceledBy !== undefined) set.canceled_by = patch.canceledBy;
    if (patch.cancelReason !== undefined) set.cancel_reason = patch.cancelReason;
    if (patch.approval !== undefined)
      set.approval = patch.approval === null ? null : JSON.stringify(patch.approval);

    const updated = await this.changeRun(now, (db) =>
      db
        .updateTable('runs')
        .set(set)
        .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
        .$if(to === 'running' && patch.startedAt === undefined, (qb) =>
          qb.set((eb) => ({ started_at: eb.fn.coalesce('started_at', eb.val(now)) })),
        )
        .where('id', '=', id)
        .where('attempt', '=', attempt)
        .where('status', 'in', [...from]),
    );
    return updated
      ? { applied: true, run: await this.withLiveTails(rowToRun(updated)) }
      : this.refusal(id, attempt);
  }

  async claim(id: string, options: ClaimOptions): Promise<Run | null> {
    this.assertOpen();
    const now = this.now().toISOString();
    const claimed = await this.changeRun(now, (db) =>
      db
        .updateTable('runs')
        .set((eb) => ({
          status: 'running',
          attempt: eb('attempt', '+', 1),
          event_seq: eb('event_seq', '+', 1),
          worker_id: options.workerId,
          heartbeat_at: now,
          started_at: now,
          updated_at: now,
          waiting_for: null,
          queue_position: null,
        }))
        .where('id', '=', id)
        .where('status', '=', 'queued')
        // A run with Concurrency slots is claimed only through the waiting line below.
        .where('slots', 'is', null),
    );
    if (claimed) return this.withLiveTails(rowToRun(claimed));
    const decided = await decideSlots(
      this.db,
      (trx) => this.lockSlots(trx),
      { outbox: this.outbox, now },
      { id, workerId: options.workerId },
    );
    return decided.claimed ? this.withLiveTails(rowToRun(decided.claimed)) : null;
  }

  async reviewWaiting(): Promise<WaitingRun[]> {
    this.assertOpen();
    const now = this.now().toISOString();
    const decided = await decideSlots(this.db, (trx) => this.lockSlots(trx), {
      outbox: this.outbox,
      now,
    });
    return decided.waiting;
  }

  async noteWaiting(id: string, waitingFor: string): Promise<boolean> {
    this.assertOpen();
    const now = this.now().toISOString();
    const row = await this.changeRun(now, (db) =>
      db
        .updateTable('runs')
        .set({ waiting_for: waitingFor.slice(0, 1000), queue_position: null, updated_at: now })
        .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .where('waiting_for', 'is', null),
    );
    return row !== undefined;
  }

  /**
   * Serializes slot decisions inside their transaction. SQLite needs nothing (one connection, one
   * writer at a time); PostgreSQL takes an advisory transaction lock.
   */
  protected lockSlots(_trx: Transaction<RunDatabase>): Promise<void> {
    return Promise.resolve();
  }

  async decideApproval(
    id: string,
    expected: RunApproval,
    next: RunApproval,
    to: Extract<RunStatus, 'pending_approval' | 'queued'>,
  ): Promise<TransitionResult> {
    this.assertOpen();
    if (to !== 'pending_approval' && to !== 'queued')
      throw new HistoryError('INVALID_TRANSITION', 'An approval leaves a run pending or queued.');
    const now = this.now().toISOString();
    const updated = await this.changeRun(now, (db) =>
      db
        .updateTable('runs')
        .set({ status: to, approval: JSON.stringify(next), updated_at: now })
        .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
        // A queued run waits for the reconciler's stuck-run check from now on, not from creation.
        .$if(to === 'queued', (qb) => qb.set({ heartbeat_at: now }))
        .where('id', '=', id)
        .where('status', '=', 'pending_approval')
        .where('approval', '=', JSON.stringify(expected)),
    );
    if (updated) return { applied: true, run: rowToRun(updated) };
    const current = await this.get(id);
    return current === null
      ? { applied: false, reason: 'RUN_NOT_FOUND', run: null }
      : { applied: false, reason: 'STATUS_MISMATCH', run: current };
  }

  async requeue(
    id: string,
    attempt: number,
    patch: { errors?: string[] } = {},
  ): Promise<TransitionResult> {
    this.assertOpen();
    const now = this.now().toISOString();
    const set: Updateable<RunsTable> = {
      status: 'queued',
      worker_id: null,
      heartbeat_at: now,
      updated_at: now,
    };
    if (patch.errors !== undefined) set.errors = JSON.stringify(stringList(patch.errors, 'errors'));
    const updated = await this.changeRun(now, (db) =>
      db
        .updateTable('runs')
        .set(set)
        .set((eb) => ({ event_seq: eb('event_seq', '+', 1) }))
        .where('id', '=', id)
        .where('attempt', '=', attempt)
        .where('status', '=', 'running'),
    );
    return updated
      ? { applied: true, run: await this.withLiveTails(rowToRun(updated)) }
      : this.refusal(id, attempt);
  }

  /** Why a fenced change of a run did not apply, with the run as it is now. */
  private async refusal(id: string, attempt: number): Promise<TransitionResult> {
    const current = await this.get(id);
    if (current === null) return { applied: false, reason: 'RUN_NOT_FOUND', run: null };
    const reason = current.attempt !== attempt ? 'STALE_ATTEMPT' : 'STATUS_MISMATCH';
    return { applied: false, reason, run: current };
  }

  /**
   * Runs one conditional update of a run and returns the run as it left it (undefined when the
   * update matched nothing). With the outbox on it also writes the `update` event, atomically:
   * through `updateWithEvent`. The update comes first, so
   * the run's row lock orders its events.
   */
  private async changeRun(
    now: string,
    update: (db: QueryCreator<RunDatabase>) => RunUpdate,
  ): Promise<RunRow | undefined> {
    if (!this.outbox) return update(this.db).returningAll().executeTakeFirst();
    return this.updateWithEvent(now, update);
  }

  /**
   * Outbox on: runs the update and writes its `update` event from the updated row, in one
   * transaction; a refused update writes no event.
   */
  protected async updateWithEvent(
    now: string,
    update: (db: QueryCreator<RunDatabase>) => RunUpdate,
  ): Promise<RunRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await update(trx).returningAll().executeTakeFirst();
      if (row) await insertEvent(trx, 'update', row, now);
      return row;
    });
  }

  async readOutbox(limit = 100): Promise<RunEvent[]> {
    this.assertOutbox();
    const rows = await this.db
      .selectFrom('run_outbox')
      .select(['event_id', 'event_type', 'seq', 'payload'])
      .orderBy('position')
      .limit(Math.min(Math.max(Math.floor(limit), 1), 1000))
      .execute();
    return rows.map((row) => ({
      event_type: row.event_type as RunEventType,
      event_id: row.event_id,
      seq: Number(row.seq),
      payload: JSON.parse(row.payload) as RunEvent['payload'],
    }));
  }

  async markPublished(eventIds: readonly string[]): Promise<number> {
    this.assertOutbox();
    let removed = 0;
    for (let start = 0; start < eventIds.length; start += INSERT_BATCH_ROWS) {
      const result = await this.db
        .deleteFrom('run_outbox')
        .where('event_id', 'in', eventIds.slice(start, start + INSERT_BATCH_ROWS))
        .executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    return removed;
  }

  async heartbeat(id: string, attempt: number): Promise<boolean> {
    this.assertOpen();
    const result = await this.db
      .updateTable('runs')
      .set({ heartbeat_at: this.now().toISOString() })
      .where('id', '=', id)
      .where('attempt', '=', attempt)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listByStatus(
    statuses: readonly RunStatus[],
    options: ListByStatusOptions = {},
  ): Promise<Run[]> {
    this.assertOpen();
    if (statuses.length === 0) return [];
    for (const status of statuses) assertStatus(status, 'INVALID_FILTER');
    const limit = Math.min(Math.max(Math.floor(options.limit ?? 100), 1), 1000);
    const lastSeen = sql<string>`coalesce(${sql.ref('heartbeat_at')}, ${sql.ref('created_at')})`;
    let query = this.db
      .selectFrom('runs')
      .selectAll()
      .where('status', 'in', [...statuses]);
    if (options.heartbeatBefore !== undefined) {
      const before = toIso(options.heartbeatBefore, 'heartbeatBefore', 'INVALID_FILTER');
      query = query.where(lastSeen, '<', before);
    }
    if (options.startedBefore !== undefined) {
      const before = toIso(options.startedBefore, 'startedBefore', 'INVALID_FILTER');
      query = query.where('started_at', '<', before);
    }
    const rows = await query.orderBy(lastSeen).orderBy('id').limit(limit).execute();
    return Promise.all(rows.map((row) => this.withLiveTails(rowToRun(row))));
  }

  async appendOutput(
    id: string,
    chunks: readonly OutputChunkInput[],
    options: AppendOutputOptions = {},
  ): Promise<OutputChunk[]> {
    this.assertOpen();
    return appendRunOutput(this.db, id, chunks, options, { now: this.now });
  }

  async readOutput(id: string, fromSeq = 1, limit = 1000): Promise<OutputChunk[]> {
    this.assertOpen();
    return readRunOutput(this.db, id, fromSeq, limit);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }

  /** Throws STORE_CLOSED once `close` was called. */
  protected assertOpen(): void {
    if (this.closed) throw new HistoryError('STORE_CLOSED', 'The run store is closed.');
  }

  private assertOutbox(): void {
    this.assertOpen();
    if (!this.outbox) {
      throw new HistoryError('OUTBOX_DISABLED', 'This run store was opened without an outbox.');
    }
  }
}
