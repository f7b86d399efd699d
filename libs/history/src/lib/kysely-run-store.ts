import { randomUUID } from 'node:crypto';
import type { RunOperation, RunStatus } from '@runbooks/types';
import { expressionBuilder, Migrator, sql } from 'kysely';
import type {
  Expression,
  Kysely,
  QueryCreator,
  RawBuilder,
  Selectable,
  SqlBool,
  Updateable,
  UpdateQueryBuilder,
  UpdateResult,
} from 'kysely';
import { capUtf8Tail } from './cap-utf8-tail';
import { HistoryError } from './history-error';
import type { HistoryErrorCode } from './history-error';
import { decodeRunCursor, encodeRunCursor } from './run-cursor';
import { isAllowedTransition, isRunStatus, isTerminalStatus } from './run-status';
import type {
  AppendOutputOptions,
  ClaimOptions,
  ListByStatusOptions,
  NewRun,
  OutputChunk,
  OutputChunkInput,
  PageRequest,
  Run,
  RunEvent,
  RunEventOutbox,
  RunEventPayload,
  RunEventType,
  RunFilter,
  RunPage,
  RunPatch,
  RunStore,
  TransitionResult,
} from './run-store';
import { isPostgres, RUN_STORE_MIGRATIONS } from './run-store-schema';
import type { RunDatabase, RunLabelsTable, RunsTable } from './run-store-schema';

/** Default size of the stdout/stderr tails kept on a run record (64 KiB each). */
export const DEFAULT_TAIL_BYTES = 64 * 1024;
/** Default and largest page size of `list`. */
export const DEFAULT_PAGE_LIMIT = 50;
const MAX_PAGE_LIMIT = 500;
/** Default of `KyselyRunStoreOptions.labelHitsCap`. */
const LABEL_HITS_CAP = 2000;
const MAX_ID_LENGTH = 200;
const INSERT_BATCH_ROWS = 200;

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

/** Applies the RunStore migrations (Kysely Migrator, table `kysely_migration`); throws MIGRATION_FAILED. */
export async function migrateRunStore(db: Kysely<RunDatabase>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...RUN_STORE_MIGRATIONS }) },
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw new HistoryError('MIGRATION_FAILED', 'Could not migrate the run store schema.', {
      cause: error,
    });
  }
}

type RunRow = Selectable<RunsTable>;
/** What `rowToRun` needs: every column but the event counter. */
type RecordRow = Omit<RunRow, 'event_seq'>;
type ListedRow = Omit<RecordRow, 'stdout' | 'stderr'> & Partial<Pick<RunRow, 'stdout' | 'stderr'>>;

const SUMMARY_COLUMNS = [
  'runs.id',
  'runs.runbook',
  'runs.status',
  'runs.operation',
  'runs.return_code',
  'runs.requested_by',
  'runs.roles',
  'runs.correlation_id',
  'runs.recursion_stack',
  'runs.labels',
  'runs.env_var_names',
  'runs.created_at',
  'runs.started_at',
  'runs.finished_at',
  'runs.updated_at',
  'runs.attempt',
  'runs.worker_id',
  'runs.heartbeat_at',
  'runs.errors',
  'runs.warnings',
  'runs.canceled_by',
  'runs.cancel_reason',
  'runs.output_seq',
] as const;
const ALL_COLUMNS = [...SUMMARY_COLUMNS, 'runs.stdout', 'runs.stderr'] as const;
/** The columns of an outbox row written by this store (`position` is generated). */
const OUTBOX_COLUMNS = [
  'event_id',
  'run_id',
  'seq',
  'event_type',
  'payload',
  'created_at',
] as const;
/** Where each field of an event payload comes from, in payload key order (see `eventPayload`). */
const EVENT_PAYLOAD_COLUMNS = {
  id: 'id',
  runbook: 'runbook',
  operation: 'operation',
  status: 'status',
  attempt: 'attempt',
  return_code: 'return_code',
  requested_by: 'requested_by',
  correlation_id: 'correlation_id',
  labels: 'labels',
  created_at: 'created_at',
  started_at: 'started_at',
  finished_at: 'finished_at',
  updated_at: 'updated_at',
} as const satisfies Record<keyof RunEventPayload, keyof RunsTable>;
type LabelQueryDatabase = RunDatabase & { l0: RunLabelsTable };
/** A conditional update of one run, before its `RETURNING`. */
type RunUpdate = UpdateQueryBuilder<RunDatabase, 'runs', 'runs', UpdateResult>;

const runsEb = expressionBuilder<RunDatabase, 'runs'>();
const labelsEb = expressionBuilder<LabelQueryDatabase, 'l0' | 'runs'>();

/**
 * RunStore over any Kysely database holding the `RunDatabase` schema. All SQL is portable
 * (conditional `UPDATE … RETURNING`, `ON CONFLICT DO NOTHING`, row-value keyset comparisons), so the
 * SQLite adapter and a PostgreSQL one share this class and the contract suite. The one exception:
 * with the outbox on, PostgreSQL writes a state change and its event in one statement
 * (data-modifying CTEs) instead of a transaction of several.
 */
export class KyselyRunStore implements RunStore, RunEventOutbox {
  /** Whether state changes write outbox events (`KyselyRunStoreOptions.outbox`). */
  readonly outbox: boolean;
  private readonly tailBytes: number;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly labelHitsCap: number;
  /** PostgreSQL writes a change and its outbox event in one statement (data-modifying CTEs). */
  private readonly writesEventsInline: boolean;
  private closed = false;

  constructor(
    private readonly db: Kysely<RunDatabase>,
    options: KyselyRunStoreOptions = {},
  ) {
    this.tailBytes = options.tailBytes ?? DEFAULT_TAIL_BYTES;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? randomUUID;
    this.labelHitsCap = Math.max(1, Math.floor(options.labelHitsCap ?? LABEL_HITS_CAP));
    this.outbox = options.outbox ?? false;
    this.writesEventsInline = this.outbox && isPostgres(db);
  }

  async create(input: NewRun): Promise<Run> {
    this.assertOpen();
    const row = this.newRow(input);
    const run = rowToRun(row);
    const inserted = this.writesEventsInline
      ? await this.insertRunWithEvent(row, run)
      : await this.insertRunInTransaction(row, run);
    if (!inserted) throw new HistoryError('RUN_EXISTS', `A run with id ${row.id} already exists.`);
    return run;
  }

  /** Inserts a new run, its labels and (outbox on) its `create` event in one transaction. */
  private async insertRunInTransaction(row: RunRow, run: Run): Promise<boolean> {
    const labels = Object.entries(run.labels);
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('runs')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
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

  /**
   * PostgreSQL: inserts a new run, its labels and its `create` event in ONE statement (one round
   * trip). Labels and event are selected from the inserted row, so a conflicting id writes nothing.
   */
  private async insertRunWithEvent(row: RunRow, run: Run): Promise<boolean> {
    const event = outboxValues('create', row, JSON.stringify(eventPayload(run)), row.created_at);
    const inserted = await this.db
      .with('inserted', (db) =>
        db
          .insertInto('runs')
          .values(row)
          .onConflict((oc) => oc.column('id').doNothing())
          .returning(['id', 'created_at']),
      )
      .with('labelled', (db) =>
        db
          .insertInto('run_labels')
          .columns(['run_id', 'key', 'value', 'created_at'])
          .expression(
            db
              .selectFrom('inserted')
              .crossJoin(labelPairs(run.labels))
              .select(['inserted.id', 'pair.key', 'pair.value', 'inserted.created_at']),
          ),
      )
      .with('evented', (db) =>
        db
          .insertInto('run_outbox')
          .columns(OUTBOX_COLUMNS)
          .expression(db.selectFrom('inserted').select(event)),
      )
      .selectFrom('inserted')
      .select('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async get(id: string): Promise<Run | null> {
    this.assertOpen();
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? null : rowToRun(row);
  }

  async list(filter: RunFilter = {}, page: PageRequest = {}): Promise<RunPage> {
    this.assertOpen();
    const limit = pageLimit(page.limit);
    const after = page.cursor ? decodeRunCursor(page.cursor) : null;
    const conditions = runFilterConditions(filter);
    const columns = page.includeOutput === false ? SUMMARY_COLUMNS : ALL_COLUMNS;
    const plan = await this.planLabels(filter);
    let rows: ListedRow[];
    if (plan === 'EMPTY') {
      rows = [];
    } else if (plan.driver === null) {
      let query = this.db.selectFrom('runs').select(columns);
      for (const condition of conditions) query = query.where(condition);
      for (const [key, value] of plan.others) query = query.where(labelCondition(key, value));
      if (after) {
        query = query.where(
          runsEb(
            runsEb.refTuple('runs.created_at', 'runs.id'),
            '<',
            runsEb.tuple(after.createdAt, after.id),
          ),
        );
      }
      rows = await query
        .orderBy('runs.created_at', 'desc')
        .orderBy('runs.id', 'desc')
        .limit(limit + 1)
        .execute();
    } else {
      // Walk the driving label's index (key, value, created_at, run_id): already in page order.
      const [key, value] = plan.driver;
      let query = this.db
        .selectFrom('run_labels as l0')
        .innerJoin('runs', 'runs.id', 'l0.run_id')
        .select(columns)
        .where('l0.key', '=', key)
        .where('l0.value', '=', value);
      for (const condition of conditions) query = query.where(condition);
      // The same time range on the label row's copy of created_at bounds the index walk.
      for (const condition of labelTimeRange(filter)) query = query.where(condition);
      for (const [otherKey, otherValue] of plan.others) {
        query = query.where(labelCondition(otherKey, otherValue));
      }
      if (after) {
        query = query.where(
          labelsEb(
            labelsEb.refTuple('l0.created_at', 'l0.run_id'),
            '<',
            labelsEb.tuple(after.createdAt, after.id),
          ),
        );
      }
      rows = await query
        .orderBy('l0.created_at', 'desc')
        .orderBy('l0.run_id', 'desc')
        .limit(limit + 1)
        .execute();
    }
    const items = rows.slice(0, limit).map((row) => rowToRun({ stdout: '', stderr: '', ...row }));
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeRunCursor({ createdAt: last.createdAt, id: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * Chooses which index a labelled page walks. Each label's matches are counted up to a cap on the
   * covering label index (cheap). The rarest label drives the query when it is rare, or when no
   * runs-side filter (runbook, user, status) has an index to walk instead; otherwise the runs
   * index drives and labels are checked per row. 'EMPTY' when a label matches nothing.
   */
  private async planLabels(
    filter: RunFilter,
  ): Promise<'EMPTY' | { driver: [string, string] | null; others: [string, string][] }> {
    const labels = Object.entries(filter.labels ?? {});
    if (labels.length === 0) return { driver: null, others: [] };
    const counted: { label: [string, string]; hits: number }[] = [];
    for (const label of labels) {
      const hits = await this.countLabelHits(label[0], label[1]);
      if (hits === 0) return 'EMPTY';
      counted.push({ label, hits });
    }
    counted.sort((a, b) => a.hits - b.hits);
    const [rarest, ...rest] = counted.map((entry) => entry.label);
    const hasRunsIndex =
      filter.runbook !== undefined ||
      filter.requestedBy !== undefined ||
      (filter.status !== undefined && filter.status.length > 0);
    if (rarest !== undefined && ((counted[0]?.hits ?? 0) < this.labelHitsCap || !hasRunsIndex)) {
      return { driver: rarest, others: rest };
    }
    return { driver: null, others: counted.map((entry) => entry.label) };
  }

  private async countLabelHits(key: string, value: string): Promise<number> {
    const hits = this.db
      .selectFrom('run_labels')
      .select('run_id')
      .where('key', '=', key)
      .where('value', '=', value)
      .limit(this.labelHitsCap)
      .as('hits');
    const row = await this.db
      .selectFrom(hits)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
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
    const set: Updateable<RunsTable> = { status: to, updated_at: now };
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
    if (patch.errors !== undefined) set.errors = JSON.stringify(stringList(patch.errors, 'errors'));
    if (patch.warnings !== undefined)
      set.warnings = JSON.stringify(stringList(patch.warnings, 'warnings'));
    if (patch.canceledBy !== undefined) set.canceled_by = patch.canceledBy;
    if (patch.cancelReason !== undefined) set.cancel_reason = patch.cancelReason;

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
    return updated ? { applied: true, run: rowToRun(updated) } : this.refusal(id, attempt);
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
        }))
        .where('id', '=', id)
        .where('status', '=', 'queued'),
    );
    return claimed ? rowToRun(claimed) : null;
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
    return updated ? { applied: true, run: rowToRun(updated) } : this.refusal(id, attempt);
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
   * on PostgreSQL in the same statement, elsewhere in a transaction. The update comes first, so
   * the run's row lock orders its events.
   */
  private async changeRun(
    now: string,
    update: (db: QueryCreator<RunDatabase>) => RunUpdate,
  ): Promise<RunRow | undefined> {
    if (!this.outbox) return update(this.db).returningAll().executeTakeFirst();
    if (this.writesEventsInline) return this.updateRunWithEvent(now, update);
    return this.db.transaction().execute(async (trx) => {
      const row = await update(trx).returningAll().executeTakeFirst();
      if (row) await insertEvent(trx, 'update', row, now);
      return row;
    });
  }

  /**
   * PostgreSQL: the update and its outbox event in ONE statement (one round trip instead of
   * BEGIN, UPDATE, INSERT, COMMIT). The event is selected from the updated row, with its payload
   * built in SQL from that row, so a refused update writes no event.
   */
  private async updateRunWithEvent(
    now: string,
    update: (db: QueryCreator<RunDatabase>) => RunUpdate,
  ): Promise<RunRow | undefined> {
    return this.db
      .with('changed', (db) => update(db).returningAll())
      .with('evented', (db) =>
        db
          .insertInto('run_outbox')
          .columns(OUTBOX_COLUMNS)
          .expression(
            db
              .selectFrom('changed')
              .select([
                textParam(randomUUID()).as('event_id'),
                'changed.id as run_id',
                'changed.event_seq as seq',
                textParam('update').as('event_type'),
                payloadOfChangedRun().as('payload'),
                textParam(now).as('created_at'),
              ]),
          ),
      )
      .selectFrom('changed')
      .selectAll()
      .executeTakeFirst();
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
    return rows.map(rowToRun);
  }

  async appendOutput(
    id: string,
    chunks: readonly OutputChunkInput[],
    options: AppendOutputOptions = {},
  ): Promise<OutputChunk[]> {
    this.assertOpen();
    for (const chunk of chunks) {
      if (
        (chunk.stream !== 'stdout' && chunk.stream !== 'stderr') ||
        typeof chunk.data !== 'string'
      ) {
        throw new HistoryError(
          'INVALID_RUN',
          'An output chunk needs stream stdout|stderr and string data.',
        );
      }
    }
    const kept = chunks.filter((chunk) => chunk.data.length > 0);
    if (kept.length === 0) return [];
    const { attempt } = options;
    return this.db.transaction().execute(async (trx) => {
      // Write first: the row lock (SQLite: the write lock) is taken before anything is read.
      const head = await trx
        .updateTable('runs')
        .set((eb) => ({ output_seq: eb('output_seq', '+', kept.length) }))
        .where('id', '=', id)
        .$if(attempt !== undefined, (qb) => qb.where('attempt', '=', attempt ?? 0))
        .returning(['output_seq', 'stdout', 'stderr'])
        .executeTakeFirst();
      if (!head) {
        const exists = await trx
          .selectFrom('runs')
          .select('attempt')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!exists) throw new HistoryError('RUN_NOT_FOUND', `No run with id ${id}.`);
        throw new HistoryError(
          'STALE_ATTEMPT',
          `Run ${id} is at attempt ${exists.attempt}, not ${attempt}.`,
        );
      }
      const firstSeq = head.output_seq - kept.length + 1;
      const stored = kept.map((chunk, index) => ({
        seq: firstSeq + index,
        stream: chunk.stream,
        data: chunk.data,
      }));
      for (let start = 0; start < stored.length; start += INSERT_BATCH_ROWS) {
        await trx
          .insertInto('run_output')
          .values(
            stored
              .slice(start, start + INSERT_BATCH_ROWS)
              .map((chunk) => ({ run_id: id, ...chunk })),
          )
          .execute();
      }
      const stdout = joinStream(kept, 'stdout');
      const stderr = joinStream(kept, 'stderr');
      await trx
        .updateTable('runs')
        .set({
          stdout: stdout === '' ? head.stdout : capUtf8Tail(head.stdout + stdout, this.tailBytes),
          stderr: stderr === '' ? head.stderr : capUtf8Tail(head.stderr + stderr, this.tailBytes),
          updated_at: this.now().toISOString(),
        })
        .where('id', '=', id)
        .execute();
      return stored;
    });
  }

  async readOutput(id: string, fromSeq = 1, limit = 1000): Promise<OutputChunk[]> {
    this.assertOpen();
    const rows = await this.db
      .selectFrom('run_output')
      .select(['seq', 'stream', 'data'])
      .where('run_id', '=', id)
      .where('seq', '>=', Math.max(1, Math.floor(fromSeq)))
      .orderBy('seq')
      .limit(Math.min(Math.max(Math.floor(limit), 1), 10_000))
      .execute();
    return rows.map((row) => ({
      seq: row.seq,
      stream: row.stream === 'stderr' ? 'stderr' : 'stdout',
      data: row.data,
    }));
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

  private newRow(input: NewRun): RunRow {
    const id = input.id ?? this.newId();
    requireText(id, 'id', MAX_ID_LENGTH);
    requireText(input.runbook, 'runbook', 1000);
    if (typeof input.requestedBy !== 'string') invalidRun('requestedBy must be a string.');
    const status = input.status ?? 'queued';
    if (status !== 'queued' && status !== 'denied')
      invalidRun('A new run is either queued or denied.');
    const operation: RunOperation = input.operation ?? 'execute';
    if (operation !== 'execute' && operation !== 'validate')
      invalidRun('operation must be execute or validate.');
    const createdAt =
      input.createdAt === undefined
        ? this.now().toISOString()
        : toIso(input.createdAt, 'createdAt', 'INVALID_RUN');
    let finishedAt: string | null = null;
    if (input.finishedAt !== undefined)
      finishedAt = toIso(input.finishedAt, 'finishedAt', 'INVALID_RUN');
    else if (status === 'denied') finishedAt = createdAt;
    const returnCode = input.returnCode ?? null;
    if (returnCode !== null && !Number.isInteger(returnCode))
      invalidRun('returnCode must be an integer.');
    return {
      id,
      runbook: input.runbook,
      status,
      operation,
      return_code: returnCode,
      requested_by: input.requestedBy,
      roles: JSON.stringify(stringList(input.roles ?? [], 'roles')),
      correlation_id: input.correlationId ?? id,
      recursion_stack: JSON.stringify(stringList(input.recursionStack ?? [], 'recursionStack')),
      labels: JSON.stringify(labelMap(input.labels ?? {})),
      env_var_names: JSON.stringify(envVarNames(input.envVarNames ?? [])),
      created_at: createdAt,
      started_at: null,
      finished_at: finishedAt,
      updated_at: createdAt,
      attempt: 0,
      worker_id: null,
      heartbeat_at: null,
      stdout: capUtf8Tail(input.stdout ?? '', this.tailBytes),
      stderr: capUtf8Tail(input.stderr ?? '', this.tailBytes),
      errors: JSON.stringify(stringList(input.errors ?? [], 'errors')),
      warnings: JSON.stringify(stringList(input.warnings ?? [], 'warnings')),
      canceled_by: null,
      cancel_reason: null,
      output_seq: 0,
      event_seq: 1,
    };
  }
}

/** The payload of a run's event: the run as the change left it, without output or variables. */
function eventPayload(run: Run): RunEventPayload {
  return {
    id: run.id,
    runbook: run.runbook,
    operation: run.operation,
    status: run.status,
    attempt: run.attempt,
    return_code: run.returnCode,
    requested_by: run.requestedBy,
    correlation_id: run.correlationId,
    labels: run.labels,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    updated_at: run.updatedAt,
  };
}

/**
 * PostgreSQL: `eventPayload` of the row of CTE `changed`, as JSON text built in SQL. Same keys in
 * the same order, same JSON types (labels as an object, integers as numbers, null as null).
 */
function payloadOfChangedRun(): RawBuilder<string> {
  const fields = Object.entries(EVENT_PAYLOAD_COLUMNS).map(([key, column]) => {
    const value = sql.ref(`changed.${column}`);
    return sql`${sql.lit(key)}, ${column === 'labels' ? sql`${value}::json` : value}`;
  });
  return sql<string>`json_build_object(${sql.join(fields)})::text`;
}

/** PostgreSQL: a run's labels as the derived table `pair(key, value)`, two array parameters. */
function labelPairs(labels: Record<string, string>) {
  const keys = Object.keys(labels);
  const values = Object.values(labels);
  return sql<{ key: string; value: string }>`(
    select * from unnest(${keys}::text[], ${values}::text[]) as label(key, value)
  )`.as('pair');
}

/** A text parameter with its type spelled out (PostgreSQL cannot infer it in a select list). */
function textParam(value: string): RawBuilder<string> {
  return sql<string>`${value}::text`;
}

/** The select list of an outbox row whose every value is known in JS. */
function outboxValues(type: RunEventType, row: RunRow, payload: string, now: string) {
  return [
    textParam(randomUUID()).as('event_id'),
    textParam(row.id).as('run_id'),
    sql<number>`${row.event_seq}::integer`.as('seq'),
    textParam(type).as('event_type'),
    textParam(payload).as('payload'),
    textParam(now).as('created_at'),
  ];
}

/** Writes the outbox row of a state change; `row` is the run as the change left it. */
async function insertEvent(
  db: Kysely<RunDatabase>,
  type: RunEventType,
  row: RunRow,
  now: string,
): Promise<void> {
  await db
    .insertInto('run_outbox')
    .values({
      event_id: randomUUID(),
      run_id: row.id,
      seq: Number(row.event_seq),
      event_type: type,
      payload: JSON.stringify(eventPayload(rowToRun(row))),
      created_at: now,
    })
    .execute();
}

function runFilterConditions(filter: RunFilter): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.runbook !== undefined) conditions.push(runsEb('runs.runbook', '=', filter.runbook));
  if (filter.status !== undefined) {
    const statuses: readonly RunStatus[] =
      typeof filter.status === 'string' ? [filter.status] : filter.status;
    for (const status of statuses) assertStatus(status, 'INVALID_FILTER');
    if (statuses.length > 0) conditions.push(runsEb('runs.status', 'in', [...statuses]));
  }
  if (filter.requestedBy !== undefined)
    conditions.push(runsEb('runs.requested_by', '=', filter.requestedBy));
  if (filter.createdFrom !== undefined) {
    conditions.push(
      runsEb('runs.created_at', '>=', toIso(filter.createdFrom, 'createdFrom', 'INVALID_FILTER')),
    );
  }
  if (filter.createdTo !== undefined) {
    conditions.push(
      runsEb('runs.created_at', '<', toIso(filter.createdTo, 'createdTo', 'INVALID_FILTER')),
    );
  }
  return conditions;
}

function labelTimeRange(filter: RunFilter): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.createdFrom !== undefined) {
    const from = toIso(filter.createdFrom, 'createdFrom', 'INVALID_FILTER');
    conditions.push(labelsEb('l0.created_at', '>=', from));
  }
  if (filter.createdTo !== undefined) {
    conditions.push(
      labelsEb('l0.created_at', '<', toIso(filter.createdTo, 'createdTo', 'INVALID_FILTER')),
    );
  }
  return conditions;
}

function labelCondition(key: string, value: string): Expression<SqlBool> {
  return runsEb.exists(
    runsEb
      .selectFrom('run_labels as lx')
      .select('lx.run_id')
      .whereRef('lx.run_id', '=', 'runs.id')
      .where('lx.key', '=', key)
      .where('lx.value', '=', value),
  );
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isFinite(limit))
    throw new HistoryError('INVALID_FILTER', 'The page limit must be a number.');
  return Math.min(Math.max(Math.floor(limit), 1), MAX_PAGE_LIMIT);
}

function assertTransition(from: readonly RunStatus[], to: RunStatus): void {
  assertStatus(to, 'INVALID_TRANSITION');
  if (to === 'queued')
    throw new HistoryError('INVALID_TRANSITION', 'A run cannot move back to queued.');
  if (from.length === 0)
    throw new HistoryError('INVALID_TRANSITION', 'A transition needs at least one from status.');
  for (const status of from) {
    assertStatus(status, 'INVALID_TRANSITION');
    if (isTerminalStatus(status)) {
      throw new HistoryError('INVALID_TRANSITION', `A ${status} run is final and cannot change.`);
    }
    if (!isAllowedTransition(status, to)) {
      throw new HistoryError('INVALID_TRANSITION', `A ${status} run cannot become ${to}.`);
    }
  }
}

function assertStatus(status: unknown, code: HistoryErrorCode): void {
  if (!isRunStatus(status)) throw new HistoryError(code, `Unknown run status: ${String(status)}.`);
}

function invalidRun(message: string): never {
  throw new HistoryError('INVALID_RUN', message);
}

function requireText(value: unknown, field: string, maxLength: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    invalidRun(`${field} must be a non-empty string of at most ${maxLength} characters.`);
  }
}

function toIso(value: string | Date, field: string, code: HistoryErrorCode): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new HistoryError(code, `${field} is not a valid timestamp.`);
  return date.toISOString();
}

function optionalIso(
  value: string | Date | null,
  field: string,
  code: HistoryErrorCode,
): string | null {
  return value === null ? null : toIso(value, field, code);
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) invalidRun(`${field} must be a list of strings.`);
  const items: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'string') invalidRun(`${field} must be a list of strings.`);
    items.push(item);
  }
  return items;
}

function labelMap(labels: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (key.length === 0 || key.length > 200 || key.includes('=')) {
      invalidRun(`Label key "${key}" must be 1-200 characters without "=".`);
    }
    if (typeof value !== 'string' || value.length > 1000)
      invalidRun(`Label ${key} needs a string value.`);
    result[key] = value;
  }
  return result;
}

function envVarNames(names: readonly string[]): string[] {
  const unique = new Set<string>();
  for (const name of names) {
    // Reject anything that could carry a value (`NAME=value`) so values never reach the store.
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > 256 ||
      /[=\0\n]/.test(name)
    ) {
      invalidRun('envVarNames holds variable names only (no "=", no values).');
    }
    unique.add(name);
  }
  return [...unique].sort();
}

function joinStream(
  chunks: readonly OutputChunkInput[],
  stream: OutputChunkInput['stream'],
): string {
  let text = '';
  for (const chunk of chunks) if (chunk.stream === stream) text += chunk.data;
  return text;
}

function parseStrings(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function parseLabels(text: string): Record<string, string> {
  const value: unknown = JSON.parse(text);
  const labels: Record<string, string> = {};
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value))
      if (typeof item === 'string') labels[key] = item;
  }
  return labels;
}

/** A row's status; one this version does not know is an error, never read as another status. */
function storedStatus(row: RecordRow): RunStatus {
  if (isRunStatus(row.status)) return row.status;
  throw new HistoryError(
    'INVALID_RUN',
    `Run ${row.id} has a status this version does not know: ${String(row.status)} (written by a newer version?)`,
  );
}

function rowToRun(row: RecordRow): Run {
  return {
    id: row.id,
    runbook: row.runbook,
    status: storedStatus(row),
    operation: row.operation === 'validate' ? 'validate' : 'execute',
    returnCode: row.return_code === null ? null : Number(row.return_code),
    requestedBy: row.requested_by,
    roles: parseStrings(row.roles),
    correlationId: row.correlation_id,
    recursionStack: parseStrings(row.recursion_stack),
    labels: parseLabels(row.labels),
    envVarNames: parseStrings(row.env_var_names),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    attempt: Number(row.attempt),
    workerId: row.worker_id,
    heartbeatAt: row.heartbeat_at,
    stdout: row.stdout,
    stderr: row.stderr,
    errors: parseStrings(row.errors),
    warnings: parseStrings(row.warnings),
    canceledBy: row.canceled_by,
    cancelReason: row.cancel_reason,
  };
}
