import { isRunStatus, type RunStatus } from '@runbooks/types';

/** The filters, fields and paging of `GET /api/runs`, as clients build them and the API reads them. */
export interface RunListQuery {
  /** Any of these statuses. */
  status?: readonly RunStatus[];
  /** Runbook file name (`SimpleRunbook.md`). */
  runbook?: string;
  /** The `requested_by` of the run. */
  requestedBy?: string;
  /** Label key → value; several pairs must all match. */
  labels?: Readonly<Record<string, string>>;
  /** Inclusive lower bound of `created_at` (ISO-8601). */
  createdFrom?: string;
  /** Exclusive upper bound of `created_at` (ISO-8601). */
  createdTo?: string;
  /** Sparse fieldset: only these record fields. */
  fields?: readonly string[];
  /** Page size, 1 to {@link RUN_LIST_MAX_LIMIT}. */
  limit?: number;
  /** Opaque cursor from the previous page's `links.next`. */
  cursor?: string;
}

/** Query parameter names of `GET /api/runs` (label filters are `filter[labels][<key>]`). */
export const RUN_LIST_PARAMS = {
  status: 'filter[status]',
  runbook: 'filter[runbook]',
  requestedBy: 'filter[requested_by]',
  createdFrom: 'filter[created_at][gte]',
  createdTo: 'filter[created_at][lt]',
  fields: 'fields[data]',
  limit: 'limit',
  cursor: 'cursor',
} as const;

/** Largest page `GET /api/runs` serves. */
export const RUN_LIST_MAX_LIMIT = 500;
/** Page size when the query names none. */
export const RUN_LIST_DEFAULT_LIMIT = 50;

/** Result of {@link decodeRunListQuery}: the query, or every problem found (for one 400). */
export type DecodedRunListQuery =
  { ok: true; query: RunListQuery } | { ok: false; problems: string[] };

/** Result of {@link parseLabelFilter}. */
export type ParsedLabelFilter =
  { ok: true; key: string; value: string } | { ok: false; problem: string };

const LABEL_PARAM = /^filter\[labels\]\[([^\]]+)\]$/;

/** The parameter name of a label filter: `filter[labels][team]`. */
export function labelFilterParam(key: string): string {
  return `filter[labels][${key}]`;
}

/** Reads a label filter typed as `key=value` (both sides trimmed; the key may not be empty). */
export function parseLabelFilter(text: string): ParsedLabelFilter {
  const eq = text.indexOf('=');
  if (eq < 0) return { ok: false, problem: `label filter '${text}' must be key=value` };
  const key = text.slice(0, eq).trim();
  if (key === '' || /[[\]]/.test(key)) {
    return { ok: false, problem: `label filter '${text}' needs a key without brackets before '='` };
  }
  return { ok: true, key, value: text.slice(eq + 1).trim() };
}

/**
 * Encodes a query as ordered `[name, value]` pairs (feed them to `URLSearchParams` or Angular's
 * `HttpParams`). Empty values are left out; statuses and fields are joined with commas.
 */
export function encodeRunListQuery(query: RunListQuery): [string, string][] {
  const pairs: [string, string][] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') pairs.push([name, value]);
  };
  add(RUN_LIST_PARAMS.status, query.status?.join(','));
  add(RUN_LIST_PARAMS.runbook, query.runbook);
  add(RUN_LIST_PARAMS.requestedBy, query.requestedBy);
  for (const [key, value] of Object.entries(query.labels ?? {})) {
    pairs.push([labelFilterParam(key), value]);
  }
  add(RUN_LIST_PARAMS.createdFrom, query.createdFrom);
  add(RUN_LIST_PARAMS.createdTo, query.createdTo);
  add(RUN_LIST_PARAMS.fields, query.fields?.join(','));
  add(RUN_LIST_PARAMS.limit, query.limit === undefined ? undefined : String(query.limit));
  add(RUN_LIST_PARAMS.cursor, query.cursor);
  return pairs;
}

/** `?filter[status]=…&limit=…`, or `''` for an empty query. */
export function runListQueryString(query: RunListQuery): string {
  const text = encodeRunListQuery(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  return text === '' ? '' : `?${text}`;
}

/**
 * Reads a decoded query-string object (`{ 'filter[status]': 'running' }`, as Express gives it).
 * Unknown `filter…` parameters, unknown statuses, bad times and limits are problems, never ignored;
 * `limit` defaults to {@link RUN_LIST_DEFAULT_LIMIT}. Field names are not checked here.
 */
export function decodeRunListQuery(params: Readonly<Record<string, unknown>>): DecodedRunListQuery {
  const problems: string[] = [];
  const query: RunListQuery = {};
  const known = new Set<string>(Object.values(RUN_LIST_PARAMS));
  const unknown = Object.keys(params).filter(
    (name) => name.startsWith('filter') && !known.has(name) && !LABEL_PARAM.test(name),
  );
  if (unknown.length > 0) {
    const names = [...Object.values(RUN_LIST_PARAMS).filter((n) => n.startsWith('filter'))];
    problems.push(
      `Unknown filter: ${unknown.join(', ')} (known: ${[...names, labelFilterParam('<key>')].join(', ')})`,
    );
  }
  const statuses = list(single(params[RUN_LIST_PARAMS.status]));
  if (statuses.length > 0) {
    const bad = statuses.filter((status) => !isRunStatus(status));
    if (bad.length > 0) {
      problems.push(`Unknown run status: ${bad.join(', ')}`);
    } else {
      query.status = statuses as RunStatus[];
    }
  }
  const runbook = single(params[RUN_LIST_PARAMS.runbook]);
  if (runbook) query.runbook = runbook;
  const requestedBy = single(params[RUN_LIST_PARAMS.requestedBy]);
  if (requestedBy) query.requestedBy = requestedBy;
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const key = LABEL_PARAM.exec(name)?.[1];
    const text = single(value);
    if (key !== undefined && text !== undefined) labels[key] = text;
  }
  if (Object.keys(labels).length > 0) query.labels = labels;
  for (const bound of ['createdFrom', 'createdTo'] as const) {
    const name = RUN_LIST_PARAMS[bound];
    const text = single(params[name]);
    if (text === undefined || text === '') continue;
    const time = new Date(text);
    if (Number.isNaN(time.getTime())) problems.push(`${name} must be an ISO-8601 time`);
    else query[bound] = time.toISOString();
  }
  const fields = list(single(params[RUN_LIST_PARAMS.fields]));
  if (fields.length > 0) query.fields = fields;
  const limitText = single(params[RUN_LIST_PARAMS.limit]);
  const limit = limitText === undefined ? RUN_LIST_DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > RUN_LIST_MAX_LIMIT) {
    problems.push(`limit must be an integer from 1 to ${RUN_LIST_MAX_LIMIT}`);
  } else {
    query.limit = limit;
  }
  const cursor = single(params[RUN_LIST_PARAMS.cursor]);
  if (cursor) query.cursor = cursor;
  return problems.length > 0 ? { ok: false, problems } : { ok: true, query };
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return single(value[0]);
  return typeof value === 'string' ? value : undefined;
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
