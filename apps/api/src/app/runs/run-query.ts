import { isRunStatus, type RunFilter } from '@runbooks/history';
import type { RunRecord } from '@runbooks/types';

import { AppError } from '../errors/app-error';

/** `GET /api/runs` parameters, read from playbook-dispatcher style query keys. */
export interface RunQuery {
  filter: RunFilter;
  limit: number;
  cursor: string | null;
  fields: (keyof RunRecord)[] | null;
}

/** Every field of a wire run record, in wire order (sparse fieldsets and the OpenAPI schema use it). */
export const RUN_RECORD_FIELDS: readonly (keyof RunRecord)[] = [
  'id',
  'runbook',
  'status',
  'operation',
  'return_code',
  'requested_by',
  'roles',
  'correlation_id',
  'recursion_stack',
  'labels',
  'env_var_names',
  'created_at',
  'started_at',
  'finished_at',
  'attempt',
  'stdout',
  'stderr',
  'errors',
  'warnings',
  'canceled_by',
  'cancel_reason',
  'trigger',
  'client',
];

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : undefined;
}

function parseTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (Number.isNaN(time.getTime()))
    throw new AppError('BAD_REQUEST', `${name} must be an ISO-8601 time`);
  return time.toISOString();
}

/** The filters `GET /api/runs` knows (label filters are `filter[labels][<key>]`). */
const KNOWN_FILTERS = new Set([
  'filter[status]',
  'filter[runbook]',
  'filter[requested_by]',
  'filter[created_at][gte]',
  'filter[created_at][lt]',
]);

/** A misspelled filter would silently match every run: name it in a 400 instead. */
function assertKnownFilters(query: Record<string, unknown>): void {
  const unknown = Object.keys(query).filter(
    (key) =>
      key.startsWith('filter') &&
      !KNOWN_FILTERS.has(key) &&
      !/^filter\[labels\]\[[^\]]+\]$/.test(key),
  );
  if (unknown.length > 0)
    throw new AppError(
      'BAD_REQUEST',
      `Unknown filter: ${unknown.join(', ')} (known: ${[...KNOWN_FILTERS, 'filter[labels][<key>]'].join(', ')})`,
    );
}

/**
 * Reads `filter[status]=a,b`, `filter[runbook]`, `filter[requested_by]`, `filter[labels][k]=v`,
 * `filter[created_at][gte|lt]`, `fields[data]=id,status`, `limit` (1–500, default 50) and `cursor`.
 * Unknown filters, statuses and fields are 400s, not silently ignored.
 */
export function parseRunQuery(query: Record<string, unknown>): RunQuery {
  assertKnownFilters(query);
  const filter: RunFilter = {};
  const statuses = single(query['filter[status]'])
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (statuses?.length) {
    const unknown = statuses.filter((status) => !isRunStatus(status));
    if (unknown.length > 0)
      throw new AppError('BAD_REQUEST', `Unknown run status: ${unknown.join(', ')}`);
    filter.status = statuses as RunFilter['status'];
  }
  const runbook = single(query['filter[runbook]']);
  if (runbook) filter.runbook = runbook;
  const requestedBy = single(query['filter[requested_by]']);
  if (requestedBy) filter.requestedBy = requestedBy;
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const match = /^filter\[labels\]\[([^\]]+)\]$/.exec(key);
    const text = single(value);
    if (match?.[1] && text !== undefined) labels[match[1]] = text;
  }
  if (Object.keys(labels).length > 0) filter.labels = labels;
  const from = parseTime(single(query['filter[created_at][gte]']), 'filter[created_at][gte]');
  if (from) filter.createdFrom = from;
  const to = parseTime(single(query['filter[created_at][lt]']), 'filter[created_at][lt]');
  if (to) filter.createdTo = to;
  const limitText = single(query['limit']);
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new AppError('BAD_REQUEST', 'limit must be an integer from 1 to 500');
  const fieldsText = single(query['fields[data]']);
  let fields: (keyof RunRecord)[] | null = null;
  if (fieldsText) {
    const requested = fieldsText
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    const unknown = requested.filter(
      (field) => !RUN_RECORD_FIELDS.includes(field as keyof RunRecord),
    );
    if (unknown.length > 0)
      throw new AppError('BAD_REQUEST', `Unknown field: ${unknown.join(', ')}`);
    fields = requested as (keyof RunRecord)[];
  }
  return { filter, limit, cursor: single(query['cursor']) ?? null, fields };
}

/** Keeps only the requested fields of a run (sparse fieldsets). */
export function pickFields(run: RunRecord, fields: (keyof RunRecord)[] | null): Partial<RunRecord> {
  if (!fields) return run;
  return Object.fromEntries(fields.map((field) => [field, run[field]]));
}
