import type { RunStatus } from '@runbooks/types';
import { expressionBuilder } from 'kysely';
import type { Expression, Kysely, SqlBool } from 'kysely';
import { HistoryError } from './history-error';
import { decodeRunCursor, encodeRunCursor } from './run-cursor';
import { assertStatus, toIso } from './run-field-checks';
import { ALL_COLUMNS, rowToRun, SUMMARY_COLUMNS } from './run-row';
import type { ListedRow } from './run-row';
import type { PageRequest, RunFilter, RunPage } from './run-store';
import type { RunDatabase, RunLabelsTable } from './run-store-schema';

/** Default and largest page size of `list`. */
export const DEFAULT_PAGE_LIMIT = 50;
const MAX_PAGE_LIMIT = 500;
type LabelQueryDatabase = RunDatabase & { l0: RunLabelsTable };

const runsEb = expressionBuilder<RunDatabase, 'runs'>();
const labelsEb = expressionBuilder<LabelQueryDatabase, 'l0' | 'runs'>();

/** One page of runs matching `filter`, newest first (see `RunStore.list`). */
export async function listRuns(
  db: Kysely<RunDatabase>,
  filter: RunFilter,
  page: PageRequest,
  labelHitsCap: number,
): Promise<RunPage> {
  const limit = pageLimit(page.limit);
  const after = page.cursor ? decodeRunCursor(page.cursor) : null;
  const conditions = runFilterConditions(filter);
  const columns = page.includeOutput === false ? SUMMARY_COLUMNS : ALL_COLUMNS;
  const plan = await planLabels(db, filter, labelHitsCap);
  let rows: ListedRow[];
  if (plan === 'EMPTY') {
    rows = [];
  } else if (plan.driver === null) {
    let query = db.selectFrom('runs').select(columns);
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
    let query = db
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
async function planLabels(
  db: Kysely<RunDatabase>,
  filter: RunFilter,
  labelHitsCap: number,
): Promise<'EMPTY' | { driver: [string, string] | null; others: [string, string][] }> {
  const labels = Object.entries(filter.labels ?? {});
  if (labels.length === 0) return { driver: null, others: [] };
  const counted: { label: [string, string]; hits: number }[] = [];
  for (const label of labels) {
    const hits = await countLabelHits(db, label[0], label[1], labelHitsCap);
    if (hits === 0) return 'EMPTY';
    counted.push({ label, hits });
  }
  counted.sort((a, b) => a.hits - b.hits);
  const [rarest, ...rest] = counted.map((entry) => entry.label);
  const hasRunsIndex =
    filter.runbook !== undefined ||
    filter.requestedBy !== undefined ||
    (filter.status !== undefined && filter.status.length > 0);
  if (rarest !== undefined && ((counted[0]?.hits ?? 0) < labelHitsCap || !hasRunsIndex)) {
    return { driver: rarest, others: rest };
  }
  return { driver: null, others: counted.map((entry) => entry.label) };
}

async function countLabelHits(
  db: Kysely<RunDatabase>,
  key: string,
  value: string,
  labelHitsCap: number,
): Promise<number> {
  const hits = db
    .selectFrom('run_labels')
    .select('run_id')
    .where('key', '=', key)
    .where('value', '=', value)
    .limit(labelHitsCap)
    .as('hits');
  const row = await db
    .selectFrom(hits)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
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
