import { RUN_LIST_DEFAULT_LIMIT, decodeRunListQuery } from '@runbooks/event-stream';
import type { RunFilter } from '@runbooks/history';
import { RUN_RECORD_FIELDS, type RunRecord } from '@runbooks/types';

import { AppError } from '../errors/app-error';

/** `GET /api/runs` parameters, read from playbook-dispatcher style query keys. */
export interface RunQuery {
  filter: RunFilter;
  limit: number;
  cursor: string | null;
  fields: (keyof RunRecord)[] | null;
}

/**
 * Reads `GET /api/runs` parameters with the encoding the CLI and the console share
 * (`@runbooks/event-stream`'s `decodeRunListQuery`): `filter[status]=a,b`, `filter[runbook]`,
 * `filter[requested_by]`, `filter[labels][k]=v`, `filter[created_at][gte|lt]`,
 * `fields[data]=id,status`, `limit` (1–500, default 50) and `cursor`.
 * Unknown filters, statuses and fields are 400s, not silently ignored.
 */
export function parseRunQuery(query: Record<string, unknown>): RunQuery {
  const decoded = decodeRunListQuery(query);
  if (!decoded.ok) throw new AppError('BAD_REQUEST', decoded.problems.join('; '));
  const { status, runbook, requestedBy, labels, createdFrom, createdTo } = decoded.query;
  const filter: RunFilter = {
    ...(status ? { status } : {}),
    ...(runbook ? { runbook } : {}),
    ...(requestedBy ? { requestedBy } : {}),
    ...(labels ? { labels: { ...labels } } : {}),
    ...(createdFrom ? { createdFrom } : {}),
    ...(createdTo ? { createdTo } : {}),
  };
  let fields: (keyof RunRecord)[] | null = null;
  if (decoded.query.fields) {
    const requested = decoded.query.fields;
    const unknown = requested.filter((field) => !isRunRecordField(field));
    if (unknown.length > 0)
      throw new AppError('BAD_REQUEST', `Unknown field: ${unknown.join(', ')}`);
    fields = requested.filter(isRunRecordField);
  }
  return {
    filter,
    limit: decoded.query.limit ?? RUN_LIST_DEFAULT_LIMIT,
    cursor: decoded.query.cursor ?? null,
    fields,
  };
}

function isRunRecordField(field: string): field is keyof RunRecord {
  return (RUN_RECORD_FIELDS as readonly string[]).includes(field);
}

/** Keeps only the requested fields of a run (sparse fieldsets). */
export function pickFields(run: RunRecord, fields: (keyof RunRecord)[] | null): Partial<RunRecord> {
  if (!fields) return run;
  return Object.fromEntries(fields.map((field) => [field, run[field]]));
}
